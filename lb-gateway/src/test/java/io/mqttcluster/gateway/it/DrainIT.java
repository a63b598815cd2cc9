package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.backend.NodeState;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node whose health says "not ready" gets no new clients, and its clients are moved at the drain rate. */
@Timeout(120)
class DrainIT {
    private static final double DRAIN_RATE = 10;
    private final List<Mosquitto> brokers = new ArrayList<>();
    private final List<HealthServer> health = new ArrayList<>();
    private final Gateways gateways = new Gateways();
    private final Clients clients = new Clients();
    private Vertx vertx;
    private Gateway gateway;
    private List<String> keys;

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeTrue(Mosquitto.available(), "mosquitto not installed");
        vertx = Vertx.vertx();
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Mosquitto m = Mosquitto.start();
            HealthServer h = new HealthServer(vertx);
            brokers.add(m);
            health.add(h);
            nodes.add(m.key() + ":" + h.port());
        }
        keys = brokers.stream().map(Mosquitto::key).toList();
        clients.probeBrokers(brokers);
        gateway = gateways.start(Gateways.options(nodes).setDrainRate(DRAIN_RATE));
    }

    @AfterEach
    void tearDown() throws Exception {
        clients.close();
        gateways.close();
        for (Mosquitto m : brokers) {
            m.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void nodeNotReady_existingClientsMovedAtDrainRateAndNewOnesGoElsewhere() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add("drain-" + i);
        }
        Map<String, String> before = clients.landAll(gateway.mqttPort(), ids);
        String drained = keys.get(0);
        List<String> onDrained = ids.stream().filter(id -> before.get(id).equals(drained)).toList();
        assertThat(onDrained).hasSizeGreaterThan(5);

        long start = System.nanoTime();
        health.get(0).notReady();

        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.nodes().get(drained).state() == NodeState.DRAINING);
        // A new client whose hash points to the draining node goes to the other one.
        String newcomerId = firstIdHashingTo(drained, "newcomer-");
        assertThat(clients.landing(gateway.mqttPort(), newcomerId)).isEqualTo(keys.get(1));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (String id : onDrained) {
                assertThat(clients.connected.get(id).lost()).as(id).isTrue();
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        // Rate-limited: n clients at 10/s cannot all be gone in less than about (n - 1) / 10 s.
        assertThat(seconds).isGreaterThanOrEqualTo((onDrained.size() - 2) / DRAIN_RATE);
        assertThat(gateway.metrics().movedCount(MoveReason.DRAIN)).isEqualTo(onDrained.size());
        assertThat(ids.stream().filter(id -> !onDrained.contains(id)).map(id -> clients.connected.get(id).lost().get()))
                .containsOnly(false);

        Map<String, String> after = clients.landAll(gateway.mqttPort(), onDrained);
        assertThat(after.values()).containsOnly(keys.get(1));
    }

    @Test
    void nodeReadyAgain_getsNewClientsAgain() throws Exception {
        String id = firstIdHashingTo(keys.get(0), "comeback-");
        health.get(0).notReady();
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.nodes().get(keys.get(0)).state() == NodeState.DRAINING);
        assertThat(clients.landing(gateway.mqttPort(), id)).isEqualTo(keys.get(1));
        clients.connected.get(id).paho().disconnect();
        health.get(0).ready();
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.nodes().get(keys.get(0)).state() == NodeState.UP);
        assertThat(clients.landing(gateway.mqttPort(), id)).isEqualTo(keys.get(0));
    }

    private String firstIdHashingTo(String node, String prefix) {
        for (int i = 0; ; i++) {
            if (Clients.expected(prefix + i, keys).equals(node)) {
                return prefix + i;
            }
        }
    }
}
