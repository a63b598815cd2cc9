import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fleet through the gateway of scripts/run-local.sh, as a user would try failover: N devices with persistent
 * sessions connect through the gateway and subscribe to a command topic; the script prints how they spread over
 * the nodes (the gateway's gateway_connections{node}); then it kills the node with the most devices with
 * kill -9 and measures, for that node's devices, the time until they are connected again (through the gateway,
 * session present) and until they receive commands again (a publisher sends one to all every 250 ms, so that is the resolution).
 *
 * <pre>
 *   scripts/run-local.sh &amp;      # 3 nodes + gateway
 *   java scripts/FleetFailover.java [devices=1000] [gateway=127.0.0.1:1883] [gateway-http=127.0.0.1:8090] [run-dir=run] [command-interval-ms=250]
 * </pre>
 * Raw MQTT 3.1.1 over sockets, no dependencies; device i connects from 127.1.x.y (a fleet has many source
 * addresses, and the gateway limits connects per address). The node's PID comes from run-dir/node&lt;i&gt;.pid.
 */
public class FleetFailover {

    static final Map<String, Long> reconnectedAt = new ConcurrentHashMap<>();
    static final Map<String, Long> receivedAfterKill = new ConcurrentHashMap<>();
    static final Map<String, Boolean> sessionPresent = new ConcurrentHashMap<>();
    static final Map<String, Long> connackMillis = new ConcurrentHashMap<>();
    static final Map<String, Long> tcpMillis = new ConcurrentHashMap<>();
    static final AtomicInteger attemptsAfterKill = new AtomicInteger();
    /** One command to every device this often: 4 x devices deliveries per second, each stored for a persistent session. */
    static long COMMAND_INTERVAL_MS = 250;
    static volatile long killedAt = Long.MAX_VALUE;
    static final AtomicLong published = new AtomicLong();
    static volatile long publishedAtKill = Long.MAX_VALUE;
    static volatile boolean stop;

    public static void main(String[] args) throws Exception {
        int devices = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        String[] gw = (args.length > 1 ? args[1] : "127.0.0.1:1883").split(":");
        String gwHttp = args.length > 2 ? args[2] : "127.0.0.1:8090";
        String runDir = args.length > 3 ? args[3] : "run";
        COMMAND_INTERVAL_MS = args.length > 4 ? Long.parseLong(args[4]) : 250;
        String host = gw[0];
        int port = Integer.parseInt(gw[1]);
        String prefix = "fleet-" + ProcessHandle.current().pid() + "-";
        CountDownLatch up = new CountDownLatch(devices);
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < devices; i++) {
            String id = prefix + i;
            int index = i;
            Thread t = new Thread(() -> device(host, port, id, index, up), id);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        if (!up.await(120, TimeUnit.SECONDS)) {
            System.out.println("only " + (devices - up.getCount()) + " of " + devices + " devices connected");
            System.exit(1);
        }
        System.out.printf("%d devices connected through %s:%d in %.1f s%n", devices, host, port, (System.nanoTime() - t0) / 1e9);
        Map<String, Integer> spread = spread(gwHttp);
        System.out.println("spread over the nodes (gateway_connections{node}): " + spread);

        Thread publisher = new Thread(() -> publisher(host, port, prefix + "publisher"), "publisher");
        publisher.setDaemon(true);
        publisher.start();
        Thread.sleep(1000);

        String victim = Collections.max(spread.entrySet(), Map.Entry.comparingByValue()).getKey();
        int victimPort = Integer.parseInt(victim.substring(victim.lastIndexOf(':') + 1));
        int index = victimPort - 1883;
        long pid = Long.parseLong(java.nio.file.Files.readString(java.nio.file.Path.of(runDir, "node" + index + ".pid")).trim());
        int onVictim = spread.get(victim);
        System.out.println("kill -9 " + pid + " (node " + index + ", " + victim + ", " + onVictim + " devices)");
        publishedAtKill = published.get();
        killedAt = System.nanoTime();
        new ProcessBuilder("kill", "-9", String.valueOf(pid)).inheritIO().start().waitFor();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && (reconnectedAt.size() < onVictim || receivedAfterKill.size() < devices)) {
            Thread.sleep(100);
        }
        List<Double> back = new ArrayList<>();
        for (long t : reconnectedAt.values()) {
            back.add((t - killedAt) / 1e6);
        }
        List<Double> receiving = new ArrayList<>();
        for (Map.Entry<String, Long> e : receivedAfterKill.entrySet()) {
            if (reconnectedAt.containsKey(e.getKey())) {
                receiving.add((e.getValue() - killedAt) / 1e6);
            }
        }
        long present = sessionPresent.values().stream().filter(b -> b).count();
        System.out.printf("devices that reconnected: %d (the killed node had %d), session present: %d%n", back.size(), onVictim, present);
        System.out.println("kill -9 -> reconnected (ms): " + percentiles(back));
        System.out.println("kill -9 -> receiving commands again (ms): " + percentiles(receiving));
        List<Double> connack = new ArrayList<>();
        connackMillis.values().forEach(v -> connack.add(v.doubleValue()));
        System.out.println("CONNECT -> CONNACK of those reconnects (ms): " + percentiles(connack) + ", connection attempts: "
                + attemptsAfterKill.get());
        List<Double> tcp = new ArrayList<>();
        tcpMillis.values().forEach(v -> tcp.add(v.doubleValue()));
        System.out.println("TCP connect of those reconnects (ms): " + percentiles(tcp));
        System.out.println("spread after the failover: " + spread(gwHttp));
        stop = true;
        System.exit(back.size() >= onVictim && present == back.size() && receivedAfterKill.size() == devices ? 0 : 1);
    }

    static String percentiles(List<Double> v) {
        if (v.isEmpty()) {
            return "none";
        }
        Collections.sort(v);
        return String.format("n=%d p50=%.0f p90=%.0f p99=%.0f max=%.0f", v.size(), v.get(v.size() / 2),
                v.get((int) (v.size() * 0.9)), v.get(Math.min(v.size() - 1, (int) (v.size() * 0.99))), v.get(v.size() - 1));
    }

    static Map<String, Integer> spread(String gwHttp) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + gwHttp + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Integer> out = new TreeMap<>();
        Matcher m = Pattern.compile("^gateway_connections\\{node=\"([^\"]+)\"\\} ([0-9.]+)", Pattern.MULTILINE).matcher(body);
        while (m.find()) {
            out.put(m.group(1), (int) Double.parseDouble(m.group(2)));
        }
        return out;
    }

    /** One device: connect (persistent session), subscribe to commands, read until closed; reconnect. */
    static void device(String host, int port, String id, int index, CountDownLatch up) {
        // a fleet connects from many addresses (the gateway limits connects per source address)
        InetAddress source;
        try {
            source = InetAddress.getByAddress(new byte[] {127, 1, (byte) (index / 250), (byte) (index % 250 + 1)});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        boolean first = true;
        while (!stop) {
            long dialed = System.nanoTime();
            try (Socket s = new Socket(host, port, source, 0)) {
                long tcpUp = System.nanoTime();
                s.setTcpNoDelay(true);
                OutputStream out = s.getOutputStream();
                DataInputStream in = new DataInputStream(s.getInputStream());
                long sent = System.nanoTime();
                if (!first && killedAt != Long.MAX_VALUE) {
                    attemptsAfterKill.incrementAndGet();
                }
                out.write(connect(id, false));
                int[] ack = packet(in);
                if (ack[0] != 0x20 || ack[2] != 0) {
                    throw new IOException("refused " + ack[2]);
                }
                if (!first && killedAt != Long.MAX_VALUE) {
                    reconnectedAt.putIfAbsent(id, System.nanoTime());
                    connackMillis.putIfAbsent(id, (System.nanoTime() - sent) / 1_000_000);
                    tcpMillis.putIfAbsent(id, (tcpUp - dialed) / 1_000_000);
                    sessionPresent.put(id, ack[1] == 1);
                }
                if (first) {
                    out.write(subscribe("fleet/commands", 1));
                    packet(in); // SUBACK
                    up.countDown();
                    first = false;
                }
                while (true) {
                    int[] p = packet(in);
                    if ((p[0] & 0xF0) == 0x30) {
                        // only commands published after the kill count (an old connection may still hand over
                        // ones read before it)
                        if (killedAt != Long.MAX_VALUE && p[4] > publishedAtKill) {
                            receivedAfterKill.putIfAbsent(id, System.nanoTime());
                        }
                        if (((p[0] >> 1) & 3) == 1) {
                            out.write(new byte[] {0x40, 2, (byte) (p[3] >> 8), (byte) p[3]});
                        }
                    }
                }
            } catch (IOException e) {
                sleep(100 + ThreadLocalRandom.current().nextInt(200)); // a device's reconnect delay, with jitter
            }
        }
    }

    static void publisher(String host, int port, String id) {
        int packetId = 1;
        while (!stop) {
            try (Socket s = new Socket(host, port)) {
                s.setTcpNoDelay(true);
                OutputStream out = s.getOutputStream();
                DataInputStream in = new DataInputStream(s.getInputStream());
                out.write(connect(id, true));
                packet(in); // CONNACK
                Thread acks = new Thread(() -> {
                    try {
                        while (true) {
                            packet(in); // PUBACKs, not awaited
                        }
                    } catch (IOException closed) {
                        // the loop below notices on its next write
                    }
                }, "publisher-acks");
                acks.setDaemon(true);
                acks.start();
                while (!stop) {
                    out.write(publish("fleet/commands", ("cmd " + published.incrementAndGet()).getBytes(StandardCharsets.UTF_8), packetId));
                    packetId = packetId % 65535 + 1;
                    Thread.sleep(COMMAND_INTERVAL_MS);
                }
            } catch (Exception e) {
                sleep(50);
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads one packet: {type byte, first byte of variable header, second byte, packet id if PUBLISH QoS>0, command number}. */
    static int[] packet(DataInputStream in) throws IOException {
        int type = in.readUnsignedByte();
        int len = 0;
        int mult = 1;
        int b;
        do {
            b = in.readUnsignedByte();
            len += (b & 0x7F) * mult;
            mult *= 128;
        } while ((b & 0x80) != 0);
        byte[] body = in.readNBytes(len);
        if (body.length < len) {
            throw new IOException("closed");
        }
        int pid = 0;
        int command = 0;
        if ((type & 0xF0) == 0x30) {
            int tl = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            int at = 2 + tl;
            if (((type >> 1) & 3) > 0) {
                pid = ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
                at += 2;
            }
            String payload = new String(body, at, body.length - at, StandardCharsets.UTF_8);
            command = payload.startsWith("cmd ") ? Integer.parseInt(payload.substring(4)) : 0;
        }
        return new int[] {type, len > 0 ? body[0] & 0xFF : 0, len > 1 ? body[1] & 0xFF : 0, pid, command};
    }

    static byte[] connect(String id, boolean clean) {
        byte[] idb = id.getBytes(StandardCharsets.UTF_8);
        byte[] var = {0, 4, 'M', 'Q', 'T', 'T', 4, (byte) (clean ? 0x02 : 0x00), 0, 60};
        return frame(0x10, concat(var, str(idb)));
    }

    static byte[] subscribe(String topic, int qos) {
        return frame(0x82, concat(new byte[] {0, 1}, str(topic.getBytes(StandardCharsets.UTF_8)), new byte[] {(byte) qos}));
    }

    static byte[] publish(String topic, byte[] payload, int packetId) {
        return frame(0x32, concat(str(topic.getBytes(StandardCharsets.UTF_8)), new byte[] {(byte) (packetId >> 8), (byte) packetId}, payload));
    }

    static byte[] str(byte[] b) {
        return concat(new byte[] {(byte) (b.length >> 8), (byte) b.length}, b);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    static byte[] frame(int type, byte[] body) {
        byte[] len = new byte[4];
        int n = 0;
        int x = body.length;
        do {
            int d = x % 128;
            x /= 128;
            len[n++] = (byte) (x > 0 ? d | 0x80 : d);
        } while (x > 0);
        byte[] out = new byte[1 + n + body.length];
        out[0] = (byte) type;
        System.arraycopy(len, 0, out, 1, n);
        System.arraycopy(body, 0, out, 1 + n, body.length);
        return out;
    }
}
