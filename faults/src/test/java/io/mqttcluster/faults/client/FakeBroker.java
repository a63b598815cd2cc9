package io.mqttcluster.faults.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** The broker side of a client test, driven step by step by the test: accept, read a packet, write bytes. */
final class FakeBroker implements AutoCloseable {

    private final ServerSocket server;

    FakeBroker() throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        server.setSoTimeout(10_000);
    }

    Endpoint endpoint() {
        return new Endpoint("fake", "127.0.0.1", server.getLocalPort());
    }

    Peer accept() throws IOException {
        Socket s = server.accept();
        s.setSoTimeout(10_000);
        return new Peer(s);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /** One accepted client connection. */
    static final class Peer implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Peer(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** The next packet other than PINGREQ (answered with PINGRESP). */
        Packet read() throws IOException {
            while (true) {
                Packet p = MqttCodec.read(in, 1 << 20);
                if (p.type() != Packet.PINGREQ) {
                    return p;
                }
                send(new byte[]{(byte) 0xD0, 0});
            }
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        void connack(boolean sessionPresent) throws IOException {
            send(new byte[]{0x20, 2, (byte) (sessionPresent ? 1 : 0), 0});
        }

        /** Reads a CONNECT and answers CONNACK 0; returns the CONNECT. */
        Packet handshake(boolean sessionPresent) throws IOException {
            Packet connect = read();
            if (connect.type() != Packet.CONNECT) {
                throw new IOException("expected CONNECT, got " + connect.type());
            }
            connack(sessionPresent);
            return connect;
        }

        boolean isClosedByPeer() throws IOException {
            try {
                return in.read() < 0;
            } catch (java.net.SocketException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
