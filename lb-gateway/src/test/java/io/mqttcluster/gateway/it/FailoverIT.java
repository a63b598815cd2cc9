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

/** A node that dies loses its clients, and they come back through the gateway on their next choice. */
@Timeout(120)
class FailoverIT {

    /** The "dying" node of one test, kept reachable for the test's length. */
    private io.vertx.core.net.NetServer dying;
    private final List<Mosquitto> brokers = new ArrayList<>();
    private final Gateways gateways = new Gateways();
    private final Clients clients = new Clients();
    private Vertx vertx;

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeTrue(Mosquitto.available(), "mosquitto not installed");
        vertx = Vertx.vertx();
        for (int i = 0; i < 3; i++) {
            brokers.add(Mosquitto.start());
        }
        clients.probeBrokers(brokers);
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

    private static List<String> ids(String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    @Test
    void nodeKilled_itsClientsLoseConnectionAndReconnectToTheirNextChoice() throws Exception {
        List<String> keys = brokers.stream().map(Mosquitto::key).toList();
        Gateway g = gateways.start(Gateways.options(keys));
        List<String> ids = ids("failover-", 30);
        Map<String, String> before = clients.landAll(g.mqttPort(), ids);
        Mosquitto victim = brokers.get(1);
        List<String> onVictim = ids.stream().filter(id -> before.get(id).equals(victim.key())).toList();
        List<String> others = ids.stream().filter(id -> !onVictim.contains(id)).toList();
        assertThat(onVictim).isNotEmpty();

        victim.kill(); // SIGKILL

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (String id : onVictim) {
                assertThat(clients.connected.get(id).lost()).as(id).isTrue();
            }
        });
        for (String id : others) {
            assertThat(clients.connected.get(id).lost()).as(id).isFalse();
        }
        List<String> survivors = List.of(brokers.get(0).key(), brokers.get(2).key());
        // Reconnect at once, maybe before the health check noticed: the refused connect falls to the next node.
        Map<String, String> after = clients.landAll(g.mqttPort(), onVictim);
        for (String id : onVictim) {
            assertThat(after.get(id)).as(id).isEqualTo(Clients.expected(id, survivors));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> g.nodes().get(victim.key()).state() == NodeState.DOWN);
        assertThat(g.nodes().candidates()).hasSize(2);
    }

    @Test
    void hashedNodeRefusesConnect_clientGoesToNextNodeInRendezvousOrder() throws Exception {
        // Node "refusing" passes its HTTP health check but nothing listens on its MQTT port.
        HealthServer health = new HealthServer(vertx);
        String refusing = "127.0.0.1:" + FreePorts.next();
        List<String> keys = List.of(refusing, brokers.get(0).key(), brokers.get(1).key());
        Gateway g = gateways.start(Gateways.options(List.of(refusing + ":" + health.port(), keys.get(1), keys.get(2))));
        assertThat(g.nodes().candidates()).hasSize(3);
        String id = Clients.idHashingTo(refusing, keys, "fallback-");
        assertThat(clients.landing(g.mqttPort(), id)).isEqualTo(runnerUp(id, keys));
        assertThat(g.metrics().routedCount(io.mqttcluster.gateway.hash.RouteReason.FALLBACK_NEXT_NODE)).isEqualTo(1);
        health.close();
    }

    @Test
    void hashedNodeClosesBeforeConnack_clientGoesToNextNodeWithTheSameConnect() throws Exception {
        // Node "dying" passes its health check and accepts TCP, but closes every connection without answering:
        // a process that is being killed, or stopping its listener. The gateway replays the CONNECT elsewhere.
        HealthServer health = new HealthServer(vertx);
        // a field, not a local: Vert.x 5 closes a server once it is garbage collected (CleanableNetServer)
        dying = vertx.createNetServer().connectHandler(io.vertx.core.net.NetSocket::close);
        int dyingPort = dying.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        String dyingKey = "127.0.0.1:" + dyingPort;
        List<String> keys = List.of(dyingKey, brokers.get(0).key(), brokers.get(1).key());
        Gateway g = gateways.start(Gateways.options(List.of(dyingKey + ":" + health.port(), keys.get(1), keys.get(2))));
        String id = Clients.idHashingTo(dyingKey, keys, "dying-");
        assertThat(clients.landing(g.mqttPort(), id)).isEqualTo(runnerUp(id, keys));
        assertThat(clients.connected.get(id).lost()).isFalse();
        assertThat(g.metrics().routedCount(io.mqttcluster.gateway.hash.RouteReason.FALLBACK_NEXT_NODE)).isEqualTo(1);
        dying.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        health.close();
    }

    @Test
    void healthCheckFails_gatewayClosesThatNodesClients() throws Exception {
        // The MQTT side of node 0 stays up; only its health endpoint goes away.
        HealthServer health = new HealthServer(vertx);
        List<String> keys = List.of(brokers.get(0).key() + ":" + health.port(), brokers.get(1).key(), brokers.get(2).key());
        Gateway g = gateways.start(Gateways.options(keys));
        List<String> ids = ids("health-", 30);
        Map<String, String> before = clients.landAll(g.mqttPort(), ids);
        String sick = brokers.get(0).key();
        List<String> onSick = ids.stream().filter(id -> before.get(id).equals(sick)).toList();
        assertThat(onSick).isNotEmpty();

        health.close();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (String id : onSick) {
                assertThat(clients.connected.get(id).lost()).as(id).isTrue();
            }
        });
        assertThat(g.metrics().movedCount(MoveReason.NODE_DOWN)).isEqualTo(onSick.size());
        assertThat(ids.stream().filter(id -> !onSick.contains(id)).map(id -> clients.connected.get(id).lost().get()))
                .containsOnly(false);
        Map<String, String> after = clients.landAll(g.mqttPort(), onSick);
        List<String> healthy = List.of(brokers.get(1).key(), brokers.get(2).key());
        for (String id : onSick) {
            assertThat(after.get(id)).isEqualTo(Clients.expected(id, healthy));
        }
    }

    @Test
    void healthBlipShorterThanCloseAfter_keepsTheNodesClients() throws Exception {
        // A node that misses a few checks (it, or this gateway, was briefly overloaded) gets no new clients
        // while it is down, but its connected clients stay: closing them would add a reconnect storm.
        HealthServer health = new HealthServer(vertx);
        List<String> keys = List.of(brokers.get(0).key() + ":" + health.port(), brokers.get(1).key(), brokers.get(2).key());
        Gateway g = gateways.start(Gateways.options(keys).setHealthCloseAfter(Duration.ofSeconds(30)));
        List<String> ids = ids("blip-", 30);
        Map<String, String> before = clients.landAll(g.mqttPort(), ids);
        String blipping = brokers.get(0).key();
        assertThat(ids.stream().filter(id -> before.get(id).equals(blipping))).isNotEmpty();

        health.failing();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.nodes().get(blipping).state() == NodeState.DOWN);
        List<String> nodeKeys = List.of(blipping, brokers.get(1).key(), brokers.get(2).key());
        String newcomer = null;
        for (int i = 0; newcomer == null; i++) {
            if (Clients.expected("blip-new-" + i, nodeKeys).equals(blipping)) {
                newcomer = "blip-new-" + i;
            }
        }
        assertThat(clients.landing(g.mqttPort(), newcomer)).isNotEqualTo(blipping);
        health.ready();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.nodes().get(blipping).state() == NodeState.UP);

        assertThat(ids.stream().filter(id -> clients.connected.get(id).lost().get())).isEmpty();
        assertThat(g.metrics().movedCount(MoveReason.NODE_DOWN)).isZero();
        health.close();
    }

    /** The node an id goes to when its first choice does not take it. */
    private static String runnerUp(String id, List<String> keys) {
        return io.mqttcluster.gateway.hash.RendezvousHash.rank(id.getBytes(java.nio.charset.StandardCharsets.UTF_8), keys, k -> k).get(1);
    }
}
