package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.connect.ConnectPackets;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's CONNECT reader at the socket: a couple of thousand connections whose first packet the gateway must
 * refuse (not a CONNECT, another protocol, over the size cap, a client id that is not UTF-8, a broken MQTT 5 property
 * block, random bytes), from a fixed seed, bounded in count and time, while a healthy Paho pair connected through the
 * same gateway does QoS 1 round trips back to back. Every bad connection is closed; every round trip succeeds.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayFuzzConnectionsIT {

    static final int CONNECTIONS = Integer.getInteger("fuzz.connections", 2000);
    static final long BUDGET_MILLIS = 90_000;

    private static Mosquitto broker;
    private static final Gateways gateways = new Gateways();

    @BeforeAll
    static void startBroker() throws Exception {
        Assumptions.assumeTrue(Mosquitto.available(), "mosquitto not installed");
        broker = Mosquitto.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateways.close();
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void refusedConnects_areAllClosed_whileAHealthyClientsRoundTripsAllSucceed() throws Exception {
        Gateway g = gateways.start(Gateways.options(List.of(broker.key())).setConnectMaxSize(4096));
        MqttClient sub = new MqttClient("tcp://127.0.0.1:" + g.mqttPort(), "gw-fuzz-sub", new MemoryPersistence());
        MqttClient pub = new MqttClient("tcp://127.0.0.1:" + g.mqttPort(), "gw-fuzz-pub", new MemoryPersistence());
        sub.connect(Clients.options());
        pub.connect(Clients.options());
        java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
        sub.subscribe("fuzz/healthy", 1, (topic, m) -> received.add(new String(m.getPayload(), java.nio.charset.StandardCharsets.UTF_8)));
        AtomicInteger roundTrips = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread healthy = new Thread(() -> {
            try {
                while (!stop.get() && failure.get() == null) {
                    String payload = "rt-" + roundTrips.get();
                    pub.publish("fuzz/healthy", payload.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, false);
                    String r = received.poll(5, TimeUnit.SECONDS);
                    if (!payload.equals(r)) {
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
        int sent = 0;
        try {
            for (int i = 0; i < CONNECTIONS && System.currentTimeMillis() < deadline && failure.get() == null; i++) {
                byte[] bytes = refused(random, i);
                try (Socket s = RawSockets.open(g.mqttPort())) {
                    s.setSoTimeout(5_000);
                    try {
                        s.getOutputStream().write(bytes);
                    } catch (java.net.SocketException reset) {
                        // closed before all of it was written: closed
                    }
                    RawSockets.readUntilClosed(s); // fails unless the gateway closes within the timeout
                }
                sent++;
            }
        } finally {
            stop.set(true);
            healthy.join(10_000);
            sub.disconnect();
            pub.disconnect();
            sub.close();
            pub.close();
        }
        System.out.printf("gateway-fuzz-connections sent=%d round_trips=%d%n", sent, roundTrips.get());
        assertThat(failure.get()).as("healthy round trips").isNull();
        assertThat(sent).isGreaterThanOrEqualTo(Math.min(CONNECTIONS, 500));
        assertThat(roundTrips.get()).isPositive();
    }

    /** A first packet the gateway refuses. */
    static byte[] refused(Random random, int i) {
        return switch (random.nextInt(7)) {
            case 0 -> { // random bytes, not a CONNECT first byte
                byte[] b = new byte[1 + random.nextInt(300)];
                random.nextBytes(b);
                if ((b[0] & 0xF0) == 0x10) {
                    b[0] = 0x20;
                }
                yield b;
            }
            case 1 -> ConnectPackets.v311("gw-" + i).protocol("MQTX", 4).bytes(); // another protocol
            case 2 -> new byte[]{0x10, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 4, 'M', 'Q', 'T', 'T', 4}; // 268 MB
            case 3 -> ConnectPackets.v311("x").clientIdRaw(new byte[]{'a', (byte) 0xC3, 0x28}).bytes(); // not UTF-8
            case 4 -> ConnectPackets.v5("gw-" + i).properties(new byte[]{0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2}).bytes(); // twice
            case 5 -> ConnectPackets.v5("gw-" + i).properties(new byte[]{0x7F, 0}).bytes(); // unknown property
            default -> { // a CONNECT with a random byte flipped in its protocol name
                byte[] c = ConnectPackets.v311("gw-" + i).bytes();
                c[4 + random.nextInt(4)] ^= (byte) (1 + random.nextInt(255));
                yield c;
            }
        };
    }
}
