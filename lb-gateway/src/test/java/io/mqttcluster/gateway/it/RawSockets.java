package io.mqttcluster.gateway.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** Blocking raw TCP helpers for tests (bounded by socket timeouts). */
final class RawSockets {
    private RawSockets() {
    }

    static Socket open(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(15_000);
        s.setTcpNoDelay(true);
        return s;
    }

    /**
     * Reads a 3.1.1 CONNACK: its return code, or -1 when the peer closed (or reset) the connection before one came.
     * Bounded by the socket timeout.
     */
    static int readUntilConnackOrClose(Socket s) throws IOException {
        byte[] connack;
        try {
            connack = s.getInputStream().readNBytes(4);
        } catch (java.net.SocketException reset) {
            return -1;
        }
        if (connack.length < 4 || connack[0] != 0x20) {
            return -1;
        }
        return connack[3] & 0xFF;
    }

    /** Reads until the peer closes (or the timeout); returns everything read. */
    static byte[] readUntilClosed(Socket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("peer did not close within the socket timeout; read " + out.size() + " bytes", e);
        } catch (IOException e) {
            // connection reset also counts as closed
        }
        return out.toByteArray();
    }
}
