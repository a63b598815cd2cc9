package io.mqttcluster.faults.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;

/**
 * One TCP connection of a test client: the driver thread writes to it; a reader thread reads whole packets and
 * posts them, and finally the reason the stream ended, to the client's inbox. Nothing else is shared.
 */
final class Connection {

    /** A packet read from connection {@code conn}. */
    record Incoming(int conn, Packet packet, long t) {
    }

    /** Connection {@code conn} ended; why. */
    record Closed(int conn, String reason, long t) {
    }

    interface Clock {
        long now();
    }

    final int id;
    final Endpoint endpoint;
    private final Socket socket;
    private final OutputStream out;
    private volatile boolean closing;

    private Connection(int id, Endpoint endpoint, Socket socket) throws IOException {
        this.id = id;
        this.endpoint = endpoint;
        this.socket = socket;
        this.out = socket.getOutputStream();
    }

    static Connection open(int id, Endpoint endpoint, int connectTimeoutMs, BlockingQueue<Object> inbox, Clock clock,
                           String threadName) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), connectTimeoutMs);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        Connection c = new Connection(id, endpoint, s);
        Thread reader = new Thread(() -> c.readLoop(inbox, clock), threadName);
        reader.setDaemon(true);
        reader.start();
        return c;
    }

    private void readLoop(BlockingQueue<Object> inbox, Clock clock) {
        String reason;
        try (InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024)) {
            while (true) {
                Packet p = MqttCodec.read(in, 1 << 20);
                inbox.add(new Incoming(id, p, clock.now()));
            }
        } catch (java.io.EOFException e) {
            reason = "eof";
        } catch (java.net.SocketException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase();
            reason = closing ? "closed-by-client" : m.contains("reset") ? "reset" : "socket-error";
        } catch (IOException e) {
            reason = "read-error";
        }
        inbox.add(new Closed(id, reason, clock.now()));
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Closes; with {@code abort}, with a reset (SO_LINGER 0) as a device that loses its network would not, but fast. */
    void close(boolean abort) {
        closing = true;
        try {
            if (abort) {
                socket.setSoLinger(true, 0);
            }
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
