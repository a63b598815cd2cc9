package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fuzzing at the socket: a few thousand garbage and broken connections against a real node (bounded in count and
 * time), while a healthy client does QoS 1 publish/subscribe round trips back to back. Every round trip succeeds, and
 * every bad connection is closed by the node: at once for bytes it refuses, at the CONNECT deadline for a CONNECT cut
 * short. The inputs come from a fixed seed (FUZZ_SEED to change it), so a failure can be replayed.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FuzzConnectionsIT {

    static final int CONNECTIONS = Integer.getInteger("fuzz.connections", 3000);
    static final long BUDGET_MILLIS = 120_000;

    static BrokerNode node;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(Map.of("mqtt.max-packet-size", "64KB", "mqtt.connect-timeout", "2s"));
        port = node.mqttPort();
    }

    @AfterAll
    static void stop() {
        node.stop();
    }

    @Test
    void garbageConnections_areAllClosed_whileAHealthyClientsRoundTripsAllSucceed() throws Exception {
        Paho sub = Paho.connect(port, "fuzz-healthy-sub", true).subscribe("fuzz/healthy", 1);
        Paho pub = Paho.connect(port, "fuzz-healthy-pub", true);
        AtomicInteger roundTrips = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread healthy = new Thread(() -> {
            try {
                while (!stop.get() && failure.get() == null) {
                    String payload = "rt-" + roundTrips.get();
                    pub.publish("fuzz/healthy", payload, 1, false);
                    Paho.Received r = sub.next(5_000);
                    if (r == null || !payload.equals(r.payload())) {
                        failure.set("round trip " + roundTrips.get() + " got " + r);
                        return;
                    }
                    roundTrips.incrementAndGet();
                }
            } catch (Exception e) {
                failure.set("round trip " + roundTrips.get() + " failed: " + e);
            }
        }, "healthy-round-trips");
        healthy.start();

        long seed = Long.getLong("fuzz.seed", 20261207L);
        Random random = new Random(seed);
        long deadline = System.currentTimeMillis() + BUDGET_MILLIS;
        List<RawClient> cutShort = new ArrayList<>();
        int sent = 0;
        int closedAtOnce = 0;
        try {
            for (int i = 0; i < CONNECTIONS && System.currentTimeMillis() < deadline && failure.get() == null; i++) {
                int kind = random.nextInt(20);
                if (kind == 0 && cutShort.size() < 100) {
                    // a CONNECT cut short: the node must close it at the CONNECT deadline (2 s)
                    byte[] connect = RawClient.connect("cut-" + i, true, 30);
                    RawClient raw = new RawClient(port);
                    raw.send(java.util.Arrays.copyOf(connect, 1 + random.nextInt(connect.length - 1)));
                    cutShort.add(raw);
                } else {
                    byte[] bytes = refused(random, i);
                    try (RawClient raw = new RawClient(port)) {
                        raw.send(bytes);
                        assertThat(raw.closedWithin(5_000)).as("connection %d closed (seed %d): %s", i, seed,
                                java.util.Arrays.toString(java.util.Arrays.copyOf(bytes, Math.min(bytes.length, 40)))).isTrue();
                    } catch (java.net.SocketException reset) {
                        // the node closed first and the rest of our write was refused: closed too
                    }
                    closedAtOnce++;
                }
                sent++;
            }
            for (RawClient raw : cutShort) {
                assertThat(raw.closedWithin(5_000)).as("a CONNECT cut short is closed at the deadline").isTrue();
                raw.close();
            }
        } finally {
            stop.set(true);
            healthy.join(10_000);
            sub.close();
            pub.close();
        }
        System.out.printf("fuzz-connections sent=%d closed_at_once=%d cut_short=%d round_trips=%d%n",
                sent, closedAtOnce, cutShort.size(), roundTrips.get());
        assertThat(failure.get()).as("healthy round trips").isNull();
        assertThat(sent).isGreaterThanOrEqualTo(Math.min(CONNECTIONS, 1_000));
        assertThat(roundTrips.get()).isPositive();
    }

    /** Bytes the node must refuse by closing the connection at once. */
    static byte[] refused(Random random, int i) {
        byte[] connect = random.nextBoolean() ? RawClient.connect("fz-" + i, true, 30)
                : RawClient.connect5("fz-" + i, 30, new byte[]{0x11, 0, 0, 0, 10});
        boolean v5 = connect[8] == 5;
        return switch (random.nextInt(11)) {
            case 0 -> { // random bytes with a reserved packet type (0) first
                byte[] b = new byte[2 + random.nextInt(500)];
                random.nextBytes(b);
                b[0] &= 0x0F;
                yield b;
            }
            case 1 -> { // random bytes behind a CONNECT fixed header with another protocol name
                byte[] body = new byte[20 + random.nextInt(100)];
                random.nextBytes(body);
                body[0] = 0;
                body[1] = 4;
                body[2] = 'X';
                yield RawClient.packet(0x10, body);
            }
            case 2 -> after(connect, new byte[]{0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 1, 'a'}); // 268 MB
            case 3 -> after(connect, new byte[]{0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1}); // 5-byte length
            case 4 -> after(connect, publish(v5, new byte[]{'a', (byte) 0xC3, 0x28}, new byte[0])); // bad UTF-8
            case 5 -> after(connect, publish(v5, "a/+/b".getBytes(StandardCharsets.UTF_8), new byte[0])); // wildcard
            case 6 -> { // QoS 3
                byte[] p = publish(v5, "a".getBytes(StandardCharsets.UTF_8), new byte[0]);
                p[0] = 0x36;
                yield after(connect, p);
            }
            case 7 -> { // SUBSCRIBE with flags 0000
                byte[] s = RawClient.subscribe(1, "a/b", 0);
                s[0] = (byte) 0x80;
                yield after(connect, s);
            }
            case 8 -> RawClient.publish("a", new byte[]{1}, 0, false, false, 0); // not CONNECT first
            case 9 -> { // CONNECT with a flipped byte in the protocol name
                byte[] c = connect.clone();
                c[4 + random.nextInt(4)] ^= (byte) (1 + random.nextInt(255));
                yield c;
            }
            default -> v5 // an MQTT 5 property that is not one of PUBLISH's; for 3.1.1 a second CONNECT
                    ? after(connect, publish(true, "a".getBytes(StandardCharsets.UTF_8), new byte[]{0x11, 0, 0, 0, 1}))
                    : after(connect, connect);
        };
    }

    static byte[] publish(boolean v5, byte[] topic, byte[] props) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        v.write(topic.length >> 8);
        v.write(topic.length);
        v.writeBytes(topic);
        if (v5) {
            v.write(props.length);
            v.writeBytes(props);
        }
        v.write('x');
        return RawClient.packet(0x30, v.toByteArray());
    }

    static byte[] after(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
