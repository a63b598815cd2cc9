package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.backend.NodeState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** After a node joins, rebalance moves exactly the clients whose hash now points to it. */
@Timeout(120)
class RebalanceIT {
    private final List<Mosquitto> brokers = new ArrayList<>();
    private final Gateways gateways = new Gateways();
    private final Clients clients = new Clients();

    @BeforeEach
    void setUp() {
        Assumptions.assumeTrue(Mosquitto.available(), "mosquitto not installed");
    }

    @AfterEach
    void tearDown() throws Exception {
        clients.close();
        gateways.close();
        for (Mosquitto m : brokers) {
            m.close();
        }
    }

    private List<String> ids(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("rebalance-" + i);
        }
        return ids;
    }

    @Test
    void nodeJoins_rebalanceEnabled_onlyClientsHashingToItMove() throws Exception {
        brokers.add(Mosquitto.start());
        brokers.add(Mosquitto.start());
        int latePort = FreePorts.next();
        String late = "127.0.0.1:" + latePort;
        List<String> all = List.of(brokers.get(0).key(), brokers.get(1).key(), late);
        Gateway g = gateways.start(Gateways.options(all).setRebalanceEnabled(true).setRebalanceRate(50));
        assertThat(g.nodes().get(late).state()).isEqualTo(NodeState.DOWN);
        clients.probeBrokers(brokers);

        List<String> ids = ids(40);
        Map<String, String> before = clients.landAll(g.mqttPort(), ids);
        assertThat(before.values()).doesNotContain(late);
        List<String> movers = ids.stream().filter(id -> Clients.expected(id, all).equals(late)).toList();
        assertThat(movers).isNotEmpty();

        Mosquitto joined = Mosquitto.start(latePort);
        brokers.add(joined);
        clients.probeBrokers(List.of(joined));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (String id : movers) {
                assertThat(clients.connected.get(id).lost()).as(id).isTrue();
            }
        });
        assertThat(g.metrics().movedCount(MoveReason.REBALANCE)).isEqualTo(movers.size());
        for (String id : ids) {
            if (!movers.contains(id)) {
                assertThat(clients.connected.get(id).lost()).as(id + " must stay").isFalse();
            }
        }
        Map<String, String> after = clients.landAll(g.mqttPort(), movers);
        assertThat(after.values()).containsOnly(late);
    }

    @Test
    void nodeJoins_rebalanceDisabled_nobodyMoves() throws Exception {
        brokers.add(Mosquitto.start());
        int latePort = FreePorts.next();
        String late = "127.0.0.1:" + latePort;
        List<String> all = List.of(brokers.get(0).key(), late);
        Gateway g = gateways.start(Gateways.options(all));
        clients.probeBrokers(brokers);
        List<String> ids = ids(20);
        clients.landAll(g.mqttPort(), ids);

        Mosquitto joined = Mosquitto.start(latePort);
        brokers.add(joined);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.nodes().get(late).state() == NodeState.UP);
        // A rebalance would start within one 100 ms tick: nothing may move for a second after the join.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() ->
                g.metrics().movedCount(MoveReason.REBALANCE) == 0
                        && ids.stream().noneMatch(id -> clients.connected.get(id).lost().get()));
    }
}
