package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.config.GatewayOptions;
import io.mqttcluster.gateway.connect.ConnectPackets;
import io.mqttcluster.gateway.proxy.RejectReason;
import io.vertx.core.Vertx;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Limits refuse connections and count them by reason. */
@Timeout(60)
class LimitsIT {
    private static Mosquitto broker;
    private final Gateways gateways = new Gateways();
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        Assumptions.assumeTrue(Mosquitto.available(), "mosquitto not installed");
        broker = Mosquitto.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        gateways.close();
    }

    private GatewayOptions options() {
        return Gateways.options(List.of(broker.key()));
    }

    private Socket open(Gateway g) throws Exception {
        Socket s = RawSockets.open(g.mqttPort());
        sockets.add(s);
        return s;
    }

    private static void assertClosedByGateway(Socket s) throws Exception {
        assertThat(RawSockets.readUntilClosed(s)).isEmpty();
    }

    @Test
    void maxConnections_reached_nextConnectionClosedAndCounted() throws Exception {
        Gateway g = gateways.start(options().setMaxConnections(2));
        open(g);
        open(g);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.openConnections() == 2);
        assertClosedByGateway(open(g));
        assertThat(g.metrics().rejectedCount(RejectReason.MAX_CONNECTIONS)).isEqualTo(1);
    }

    @Test
    void ratePerSource_burstUsedAndNoWaitAllowed_nextConnectionClosedAndCounted() throws Exception {
        Gateway g = gateways.start(options().setRatePerSource(0.1).setBurstPerSource(3).setAcceptMaxWait(Duration.ZERO));
        for (int i = 1; i <= 3; i++) {
            open(g);
            // one at a time: two event loops may accept back-to-back connections in either order
            int opened = i;
            await().atMost(Duration.ofSeconds(10)).until(() -> g.openConnections() == opened);
        }
        assertClosedByGateway(open(g));
        assertThat(g.metrics().rejectedCount(RejectReason.RATE_LIMITED)).isEqualTo(1);
    }

    @Test
    void ratePerSource_burstUsed_nextConnectionsWaitTheirTurnAndConnect() throws Exception {
        Gateway g = gateways.start(options().setRatePerSource(5).setBurstPerSource(2));
        long t0 = System.nanoTime();
        List<Socket> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Socket s = open(g);
            s.getOutputStream().write(ConnectPackets.v311("source-" + i).bytes());
            four.add(s);
        }
        for (Socket s : four) {
            assertThat(s.getInputStream().readNBytes(4)).startsWith(0x20, 0x02, 0x00, 0x00);
        }
        // two at once, then one every 200 ms
        assertThat((System.nanoTime() - t0) / 1e6).isGreaterThanOrEqualTo(300);
        assertThat(g.metrics().acceptsDelayedCount("source")).isEqualTo(2);
        assertThat(g.metrics().rejectedCount(RejectReason.RATE_LIMITED)).isZero();
    }

    @Test
    void acceptRate_waitWouldPassMaxWait_closedAndCountedTheOthersConnect() throws Exception {
        Gateway g = gateways.start(options().setAcceptRate(4).setAcceptBurst(1).setAcceptMaxWait(Duration.ofMillis(500)));
        List<Socket> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Socket s = open(g);
            s.getOutputStream().write(ConnectPackets.v311("burst-" + i).bytes());
            all.add(s);
        }
        int connected = 0;
        for (Socket s : all) {
            if (RawSockets.readUntilConnackOrClose(s) == 0) {
                connected++;
            }
        }
        // one at once, then one per 250 ms within the 500 ms max wait: 3 (more if tokens refilled while opening)
        assertThat(connected).isBetween(3, 6);
        assertThat(g.metrics().rejectedCount(RejectReason.ACCEPT_RATE_LIMITED)).isEqualTo(8 - connected);
    }

    @Test
    void connectDeadline_nothingOrHalfSent_closedAfterDeadlineAndCounted() throws Exception {
        Gateway g = gateways.start(options().setConnectTimeout(Duration.ofMillis(300)));
        Socket silent = open(g);
        Socket half = open(g);
        byte[] connect = ConnectPackets.v311("half").bytes();
        half.getOutputStream().write(connect, 0, connect.length / 2);
        long start = System.nanoTime();
        assertClosedByGateway(silent);
        assertClosedByGateway(half);
        assertThat((System.nanoTime() - start) / 1e6).isGreaterThanOrEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> g.metrics().rejectedCount(RejectReason.CONNECT_TIMEOUT) == 2);
    }

    @Test
    void oversizeConnect_closedBeforeItArrivesAndCounted() throws Exception {
        Gateway g = gateways.start(options().setConnectMaxSize(128));
        Socket s = open(g);
        byte[] big = ConnectPackets.v311("x".repeat(200)).bytes();
        s.getOutputStream().write(big, 0, 3); // the fixed header alone announces too much
        assertClosedByGateway(s);
        assertThat(g.metrics().rejectedCount(RejectReason.OVERSIZE)).isEqualTo(1);
    }

    @Test
    void garbageOrNonConnectFirstPacket_closedAndCounted() throws Exception {
        Gateway g = gateways.start(options());
        Socket http = open(g);
        http.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertClosedByGateway(http);
        Socket ping = open(g);
        ping.getOutputStream().write(ConnectPackets.pingreq());
        assertClosedByGateway(ping);
        assertThat(g.metrics().rejectedCount(RejectReason.INVALID_CONNECT)).isEqualTo(2);
    }

    @Test
    void noHealthyNode_connectClosedAndCounted() throws Exception {
        Gateway g = gateways.start(Gateways.options(List.of("127.0.0.1:" + FreePorts.next())));
        assertThat(g.nodes().candidates()).isEmpty();
        Socket s = open(g);
        s.getOutputStream().write(ConnectPackets.v311("lonely").bytes());
        assertClosedByGateway(s);
        assertThat(g.metrics().rejectedCount(RejectReason.NO_HEALTHY_NODE)).isEqualTo(1);
    }

    @Test
    void nodeHealthyButRefusing_connectClosedAsUnreachable() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (HealthServer health = new HealthServer(vertx)) {
            Gateway g = gateways.start(Gateways.options(List.of("127.0.0.1:" + FreePorts.next() + ":" + health.port())));
            assertThat(g.nodes().candidates()).hasSize(1);
            Socket s = open(g);
            s.getOutputStream().write(ConnectPackets.v311("refused").bytes());
            assertClosedByGateway(s);
            assertThat(g.metrics().rejectedCount(RejectReason.NODE_UNREACHABLE)).isEqualTo(1);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void idleTimeout_noTrafficEitherWay_connectionClosed() throws Exception {
        Gateway g = gateways.start(options().setIdleTimeout(Duration.ofSeconds(1)));
        Socket s = open(g);
        s.getOutputStream().write(ConnectPackets.v311("idle").keepAlive(0).bytes());
        byte[] got = RawSockets.readUntilClosed(s); // the CONNACK, then silence, then close
        assertThat(got).startsWith(0x20, 0x02);
    }
}
