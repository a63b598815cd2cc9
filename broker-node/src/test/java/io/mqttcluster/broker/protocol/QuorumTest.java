package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.mqtt.Refusal;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mqttcluster.broker.Broker;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.cluster.InMemoryCluster;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node that sees fewer members than its quorum (the minority side of a split) refuses new connections
 * with 0x03 and acknowledges no QoS 1/2 publish: here one member configured for a cluster of three.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuorumTest {

    static Vertx vertx;
    static Broker broker;

    /** Polls every millisecond: the in-memory store answers at once, so a step takes what the protocol takes. */
    static ConditionFactory await() {
        return Awaitility.await().pollDelay(java.time.Duration.ZERO).pollInterval(java.time.Duration.ofMillis(1));
    }

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        BrokerConfig config = BrokerConfig.defaults().with(Map.of("cluster.size", "3"));
        broker = new Broker(config, InMemoryCluster.start("q"), new BrokerMetrics(new SimpleMeterRegistry()), vertx, null);
        broker.state().ready(true);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void belowQuorum_connectIsRefusedWithServerUnavailable() {
        RecordingOutput out = new RecordingOutput();
        ContextInternal ctx = (ContextInternal) vertx.getOrCreateContext();
        ClientProtocol ch = new ClientProtocol(broker.protocolServices(), out, ctx);
        ctx.runOnContext(v -> ch.onConnect(new Packets.Connect(4, "minority-client", true, 30, null, null, null, -1, 65_535)));
        await().atMost(5, TimeUnit.SECONDS).until(() -> out.actions.contains("CONNACK SERVER_UNAVAILABLE"));
        assertThat(Refusal.SERVER_UNAVAILABLE.code(4)).isEqualTo(0x03);
        assertThat(broker.state().acceptingConnections()).isFalse();
        assertThat(broker.state().notAcceptingReason()).contains("quorum is 2");
    }

    @Test
    void belowQuorum_qos1PublishIsNotStored_soItIsNeverAcknowledged_whileQos0Passes() throws Exception {
        ContextInternal ctx = (ContextInternal) vertx.getOrCreateContext();
        io.mqttcluster.cluster.message.Message q1 = new io.mqttcluster.cluster.message.Message(1, 1, "q/1", "one".getBytes(),
                1, false, "early-client", System.currentTimeMillis(), null);
        io.mqttcluster.cluster.message.Message q0 = new io.mqttcluster.cluster.message.Message(1, 2, "q/0", "zero".getBytes(),
                0, false, "early-client", System.currentTimeMillis(), null);
        boolean[] results = new boolean[2];
        ctx.runOnContext(v -> {
            results[0] = broker.router().accept(q1, "early-client", false, ctx).failed();
            results[1] = broker.router().accept(q0, "early-client", false, ctx).succeeded();
        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> results[0] && results[1]);
        // the channel closes a connection whose publish cannot be stored (see ClientProtocolTest), so the
        // publisher gets no PUBACK and sends the message again to a node of the majority
    }
}
