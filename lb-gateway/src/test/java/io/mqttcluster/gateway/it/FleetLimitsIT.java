package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.config.GatewayOptions;
import io.mqttcluster.gateway.connect.ConnectPackets;
import io.mqttcluster.gateway.proxy.RejectReason;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connection limits that fit fleets, through a real gateway in front of a real node (broker-node.jar as a process):
 * many clients from one address all connect with the shipped defaults; a listener over its accept rate delays
 * connections instead of closing them; a client id that reconnects in a tight loop is banned for a while, alone.
 * Every client here comes from 127.0.0.1, as a test rig or a fleet behind one carrier NAT address does.
 */
@Timeout(180)
class FleetLimitsIT {
    private static BrokerNodes node;
    private final Gateways gateways = new Gateways();
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeAll
    static void startNode() throws Exception {
        Assumptions.assumeTrue(BrokerNodes.available(), "broker-node.jar not built");
        node = BrokerNodes.plan(1, false);
        node.startAll();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        gateways.close();
    }

    /**
     * The gateway's shipped limits (what scripts/run-local.sh runs), with test ports and health timings: the test
     * helper's options turn the per-source limit off, so it is put back to its default here.
     */
    private static GatewayOptions shippedLimits() {
        GatewayOptions defaults = new GatewayOptions();
        return BrokerClusterIT.options(node.entries())
                .setRatePerSource(defaults.ratePerSource())
                .setBurstPerSource(defaults.burstPerSource());
    }

    private Gateway start(GatewayOptions options) throws Exception {
        Gateway g = gateways.start(options);
        BrokerClusterIT.awaitUp(g, node.keys());
        return g;
    }

    /** Opens {@code n} TCP connections at once, then sends each its CONNECT; returns them in order. */
    private List<Socket> connectAtOnce(Gateway g, String prefix, int n) throws Exception {
        List<Socket> opened = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Socket s = RawSockets.open(g.mqttPort());
            sockets.add(s);
            opened.add(s);
        }
        for (int i = 0; i < n; i++) {
            opened.get(i).getOutputStream().write(ConnectPackets.v311(prefix + i).bytes());
        }
        return opened;
    }

    /** The report: 100 subscribers through run-local.sh's gateway, 52 refused with reason=rate_limited. */
    @Test
    void shippedDefaults_200ClientsFromOneAddressAtOnce_allConnected() throws Exception {
        Gateway g = start(shippedLimits());
        List<Socket> clients = connectAtOnce(g, "fleet-", 200);
        int accepted = 0;
        for (Socket s : clients) {
            if (RawSockets.readUntilConnackOrClose(s) == 0) {
                accepted++;
            }
        }
        assertThat(accepted).as("clients with CONNACK 0; refused as rate_limited: %s",
                g.metrics().rejectedCount(RejectReason.RATE_LIMITED)).isEqualTo(200);
        assertThat(g.metrics().rejectedCount(RejectReason.RATE_LIMITED)).isZero();
    }

    /** Over limits.accept-rate a connection waits for its turn, unread, and then goes through: none is closed. */
    @Test
    void acceptRate20PerSecond_60ClientsAtOnce_allConnectedTheLastAfterAboutTwoSeconds() throws Exception {
        Gateway g = start(shippedLimits().setAcceptRate(20).setAcceptBurst(20));
        long t0 = System.nanoTime();
        List<Socket> clients = connectAtOnce(g, "paced-", 60);
        long[] connackAtMs = new long[clients.size()];
        for (int i = 0; i < clients.size(); i++) {
            assertThat(RawSockets.readUntilConnackOrClose(clients.get(i))).as("client %d", i).isZero();
            connackAtMs[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        long last = java.util.Arrays.stream(connackAtMs).max().orElseThrow();
        // 20 at once (the burst), then 20 per second: the 40 others wait up to 2 s
        assertThat(last).as("the last CONNACK, ms after the first connect").isGreaterThanOrEqualTo(1_500);
        // fewer wait, and for less, when opening the 60 took a while (tokens refill meanwhile): bounds, not values
        assertThat(g.metrics().acceptsDelayedCount("listener")).isBetween(20.0, 40.0);
        assertThat(g.metrics().acceptDelayMaxSeconds()).isGreaterThan(0.5).isLessThanOrEqualTo(2.1);
        for (RejectReason r : RejectReason.values()) {
            assertThat(g.metrics().rejectedCount(r)).as("rejected as %s", r).isZero();
        }
        assertThat(g.registry().scrape()).contains("gateway_accepts_delayed_total{limit=\"listener\"}")
                .contains("gateway_accepts_waiting 0.0");
    }

    /** One MQTT 5.0 CONNECT on a new connection: the CONNACK's reason code (node's or gateway's), then a close. */
    private static int connectV5(Gateway g, String clientId) throws Exception {
        try (Socket s = RawSockets.open(g.mqttPort())) {
            s.getOutputStream().write(ConnectPackets.v5(clientId).bytes());
            byte[] head = s.getInputStream().readNBytes(4); // type, remaining length (< 128 here), flags, reason code
            assertThat(head).hasSize(4);
            assertThat(head[0]).isEqualTo((byte) 0x20);
            return head[3] & 0xFF;
        }
    }

    /** One MQTT 3.1.1 connect with Paho: 0 when accepted (then a DISCONNECT), else the CONNACK return code Paho reports. */
    private static int connectPaho(Gateway g, String clientId) throws Exception {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + g.mqttPort(), clientId, new MemoryPersistence());
        try {
            c.connect(Clients.options());
            c.disconnect();
            return 0;
        } catch (MqttException refused) {
            return refused.getReasonCode();
        } finally {
            c.close(true);
        }
    }

    /**
     * Flapping: a client id that reconnects in a tight loop is banned with the reason code its version has for it
     * (5.0: 0x9F Connection rate exceeded; 3.1.1: 0x03 Server unavailable, as Paho reports it), the ban is counted,
     * another client id connects meanwhile, and after the ban the id connects again.
     */
    @Test
    void clientIdReconnectingInATightLoop_bannedThenAllowedAgain_otherIdsUnaffected() throws Exception {
        Gateway g = start(shippedLimits().setFlappingMaxConnects(5).setFlappingWindow(Duration.ofSeconds(60))
                .setFlappingBan(Duration.ofSeconds(2)));
        for (int i = 0; i < 5; i++) {
            assertThat(connectV5(g, "flappy-5")).as("connect %d reaches the node", i + 1).isZero();
        }
        long bannedAt = System.nanoTime();
        assertThat(connectV5(g, "flappy-5")).as("the 6th within the window").isEqualTo(0x9F);
        assertThat(connectV5(g, "flappy-5")).isEqualTo(0x9F);
        assertThat(connectV5(g, "steady")).as("another client id, meanwhile").isZero();

        for (int i = 0; i < 5; i++) {
            assertThat(connectPaho(g, "flappy-3")).isZero();
        }
        assertThat(connectPaho(g, "flappy-3")).isEqualTo(MqttException.REASON_CODE_BROKER_UNAVAILABLE);

        assertThat(g.metrics().clientIdBansCount()).isEqualTo(2);
        assertThat(g.metrics().rejectedCount(RejectReason.CLIENT_ID_BANNED)).isEqualTo(3);
        assertThat(g.metrics().connacksSentCount(0x9F)).isEqualTo(2);
        assertThat(g.registry().scrape()).contains("gateway_banned_client_ids 2.0")
                .contains("gateway_client_id_bans_total 2.0")
                .contains("gateway_rejected_connections_total{reason=\"client_id_banned\"} 3.0");

        // the ban ends (2 s); attempts during it are refused and do not prolong it
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> connectV5(g, "flappy-5") == 0);
        assertThat((System.nanoTime() - bannedAt) / 1e6).isGreaterThanOrEqualTo(1_500);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> connectPaho(g, "flappy-3") == 0);
    }
}
