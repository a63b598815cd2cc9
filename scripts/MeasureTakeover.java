import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Measures a session takeover across nodes: a client id with a persistent session is connected on node A;
 * the same id connects on node B. Reports the time from B's CONNECT to its CONNACK (with session present)
 * and until A's connection is closed, next to a plain CONNECT of a fresh client id on B.
 *
 * <pre>
 *   java scripts/MeasureTakeover.java 127.0.0.1:1884 127.0.0.1:1885 [rounds]
 * </pre>
 * No dependencies: raw MQTT 3.1.1 over sockets, so it runs with a bare JDK.
 */
public class MeasureTakeover {

    public static void main(String[] args) throws Exception {
        String[] a = args[0].split(":");
        String[] b = args[1].split(":");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        List<Double> takeover = new ArrayList<>();
        List<Double> oldClosed = new ArrayList<>();
        List<Double> fresh = new ArrayList<>();
        for (int i = 0; i < rounds + 5; i++) {
            String id = "takeover-" + ProcessHandle.current().pid() + "-" + i;
            Socket first = connect(a[0], Integer.parseInt(a[1]), id, false);
            // the same id on the other node
            long t0 = System.nanoTime();
            Socket second = new Socket(b[0], Integer.parseInt(b[1]));
            second.setTcpNoDelay(true);
            second.getOutputStream().write(connectPacket(id, false));
            int[] connack = readConnack(second);
            long t1 = System.nanoTime();
            first.setSoTimeout(10_000);
            int r = first.getInputStream().read(); // -1 when the old connection is closed
            long t2 = System.nanoTime();
            if (connack[1] != 0 || r != -1) {
                throw new IllegalStateException("unexpected: connack " + connack[1] + ", old connection read " + r);
            }
            // a fresh client id on the same node, for comparison
            long t3 = System.nanoTime();
            Socket other = connect(b[0], Integer.parseInt(b[1]), id + "-fresh", true);
            long t4 = System.nanoTime();
            if (i >= 5) { // the first rounds warm the JIT
                takeover.add((t1 - t0) / 1e6);
                oldClosed.add((t2 - t0) / 1e6);
                fresh.add((t4 - t3) / 1e6);
            }
            disconnect(second);
            disconnect(other);
            first.close();
            // end the persistent session so the next round starts clean
            disconnect(connect(a[0], Integer.parseInt(a[1]), id, true));
        }
        System.out.printf("takeover across nodes, %d rounds: CONNACK (session present) p50 %.2f ms p99 %.2f ms; "
                        + "old connection closed p50 %.2f ms p99 %.2f ms; a fresh CONNECT on the same node p50 %.2f ms%n",
                rounds, pct(takeover, 50), pct(takeover, 99), pct(oldClosed, 50), pct(oldClosed, 99), pct(fresh, 50));
    }

    static double pct(List<Double> v, int p) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    static Socket connect(String host, int port, String id, boolean clean) throws IOException {
        Socket s = new Socket(host, port);
        s.setTcpNoDelay(true);
        s.getOutputStream().write(connectPacket(id, clean));
        int[] ack = readConnack(s);
        if (ack[1] != 0) {
            throw new IllegalStateException("CONNACK " + ack[1]);
        }
        return s;
    }

    static void disconnect(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(new byte[]{(byte) 0xE0, 0});
        out.flush();
        s.close();
    }

    static byte[] connectPacket(String id, boolean clean) {
        byte[] idb = id.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + 10 + 2 + idb.length];
        p[0] = 0x10;
        p[1] = (byte) (10 + 2 + idb.length);
        byte[] vh = {0, 4, 'M', 'Q', 'T', 'T', 4, (byte) (clean ? 0x02 : 0x00), 0, 60};
        System.arraycopy(vh, 0, p, 2, 10);
        p[12] = (byte) (idb.length >> 8);
        p[13] = (byte) idb.length;
        System.arraycopy(idb, 0, p, 14, idb.length);
        return p;
    }

    /** {session present, return code} */
    static int[] readConnack(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        int type = in.readUnsignedByte();
        int len = in.readUnsignedByte();
        if (type != 0x20 || len != 2) {
            throw new IllegalStateException("not a CONNACK: " + type);
        }
        return new int[]{in.readUnsignedByte(), in.readUnsignedByte()};
    }
}
