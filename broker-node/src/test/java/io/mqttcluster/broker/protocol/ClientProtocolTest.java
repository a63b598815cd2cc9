package io.mqttcluster.broker.protocol;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mqttcluster.broker.Broker;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.cluster.InMemoryCluster;
import io.mqttcluster.cluster.session.SubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The protocol state machine without sockets or Hazelcast: packets in, recorded actions out, on the in-memory
 * twin of the cluster store (the same session rules and tables, on local maps).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientProtocolTest {

    static Vertx vertx;
    static Broker broker;

    /** Polls every millisecond: the in-memory store answers at once, so a step takes what the protocol takes. */
    static ConditionFactory await() {
        return Awaitility.await().pollDelay(java.time.Duration.ZERO).pollInterval(java.time.Duration.ofMillis(1));
    }

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        BrokerConfig config = BrokerConfig.defaults().with(Map.of("mqtt.max-inflight", "2", "mqtt.max-client-id-length", "20"));
        broker = new Broker(config, InMemoryCluster.start("chan"), new BrokerMetrics(new SimpleMeterRegistry()), vertx, null);
        broker.state().ready(true);
    }

    @AfterAll
    static void stop() throws Exception {
        assertThat(com.hazelcast.core.Hazelcast.getAllHazelcastInstances()).as("no Hazelcast member was started").isEmpty();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** A channel with its recorded output, driven on its own event-loop context. */
    static final class Client {
        final RecordingOutput out = new RecordingOutput();
        final ContextInternal ctx = (ContextInternal) vertx.getOrCreateContext();
        final ClientProtocol ch = new ClientProtocol(broker.protocolServices(), out, ctx);

        void run(Consumer<ClientProtocol> action) {
            ctx.runOnContext(v -> action.accept(ch));
        }

        Client connect(String id, boolean clean) {
            run(c -> c.onConnect(new Packets.Connect(4, id, clean, 30, null, null, null, -1, 65_535)));
            await().atMost(10, TimeUnit.SECONDS).until(() -> !out.of("CONNACK").isEmpty());
            return this;
        }

        Client subscribe(int packetId, String filter, int qos) {
            run(c -> c.onSubscribe(new Packets.Subscribe(packetId, List.of(new Packets.TopicRequest(filter, SubOptions.ofQos(qos))))));
            await().atMost(10, TimeUnit.SECONDS).until(() -> out.actions.stream().anyMatch(a -> a.startsWith("SUBACK " + packetId)));
            return this;
        }

        void publish(int packetId, String topic, String payload, int qos) {
            run(c -> c.onPublish(new Packets.Publish(packetId, topic, payload.getBytes(), qos, false, false)));
        }

        void awaitAction(String action) {
            await().atMost(10, TimeUnit.SECONDS).until(() -> out.actions.contains(action));
        }
    }

    @Test
    void connect_accepted_thenSecondConnect_isAProtocolError() {
        Client c = new Client().connect("ch-1", true);
        assertThat(c.out.actions).containsExactly("CONNACK 0 sp=false");
        c.run(ch -> ch.onConnect(new Packets.Connect(4, "ch-1", true, 30, null, null, null, -1, 65_535)));
        c.awaitAction("CLOSE protocol_error");
    }

    @Test
    void connect_refusals_useTheRightCodes() {
        Client level = new Client();
        level.run(ch -> ch.onConnect(new Packets.Connect(2, "x", true, 30, null, null, null, -1, 65_535)));
        level.awaitAction("CONNACK UNSUPPORTED_PROTOCOL");
        Client empty = new Client();
        empty.run(ch -> ch.onConnect(new Packets.Connect(4, "", false, 30, null, null, null, -1, 65_535)));
        empty.awaitAction("CONNACK CLIENT_ID_REJECTED");
        Client longId = new Client();
        longId.run(ch -> ch.onConnect(new Packets.Connect(4, "x".repeat(21), true, 30, null, null, null, -1, 65_535)));
        longId.awaitAction("CONNACK CLIENT_ID_REJECTED");
        Client assigned = new Client();
        assigned.run(ch -> ch.onConnect(new Packets.Connect(4, "", true, 30, null, null, null, -1, 65_535)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> !assigned.out.of("CONNACK").isEmpty());
        assertThat(assigned.out.actions).containsExactly("CONNACK 0 sp=false assigned");
        assertThat(assigned.ch.clientId()).startsWith("auto-");
    }

    @Test
    void publish_qos0_1_2_areAnsweredAndDelivered() {
        Client sub = new Client().connect("ch-sub", true).subscribe(1, "t/#", 2);
        assertThat(sub.out.actions).contains("SUBACK 1 [2]");
        Client pub = new Client().connect("ch-pub", true);
        pub.publish(0, "t/0", "zero", 0);
        pub.publish(5, "t/1", "one", 1);
        pub.publish(6, "t/2", "two", 2);
        pub.awaitAction("PUBACK 5");
        pub.awaitAction("PUBREC 6");
        pub.run(ch -> ch.onPubrel(6));
        pub.awaitAction("PUBCOMP 6");
        sub.awaitAction("PUBLISH t/0 zero q0");
        sub.awaitAction("PUBLISH t/1 one q1 id=1");
        sub.awaitAction("PUBLISH t/2 two q2 id=2");
        sub.run(ch -> ch.onPubrec(2));
        sub.awaitAction("PUBREL 2");
    }

    @Test
    void qos2_duplicateBeforePubrel_isAcknowledgedButNotDeliveredAgain() {
        Client sub = new Client().connect("ch-dsub", true).subscribe(1, "dup/x", 2);
        Client pub = new Client().connect("ch-dpub", true);
        pub.publish(9, "dup/x", "once", 2);
        pub.run(ch -> ch.onPublish(new Packets.Publish(9, "dup/x", "once".getBytes(), 2, true, false)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> pub.out.of("PUBREC 9").size() == 2);
        pub.run(ch -> ch.onPubrel(9));
        pub.awaitAction("PUBCOMP 9");
        pub.publish(10, "dup/x", "marker", 2);
        sub.awaitAction("PUBLISH dup/x marker q2 id=2");
        assertThat(sub.out.of("PUBLISH dup/x once")).hasSize(1);
    }

    @Test
    void inflightWindow_ofTwo_holdsTheThirdUntilAnAck() {
        Client sub = new Client().connect("ch-wsub", true).subscribe(1, "w/x", 1);
        Client pub = new Client().connect("ch-wpub", true);
        for (int i = 1; i <= 3; i++) {
            pub.publish(i, "w/x", "m" + i, 1);
        }
        pub.awaitAction("PUBACK 3");
        sub.awaitAction("PUBLISH w/x m2 q1 id=2");
        assertThat(sub.out.of("PUBLISH")).hasSize(2);
        sub.run(ch -> ch.onPuback(1));
        sub.awaitAction("PUBLISH w/x m3 q1 id=3");
    }

    @Test
    void subscribe_invalidFilters_get0x80_andGrantedQosIsCapped() {
        Client c = new Client().connect("ch-subs", true);
        c.run(ch -> ch.onSubscribe(new Packets.Subscribe(3, List.of(
                new Packets.TopicRequest("a/#/b", SubOptions.ofQos(1)),
                new Packets.TopicRequest("ok/+", SubOptions.ofQos(2)),
                new Packets.TopicRequest("$share//x", SubOptions.ofQos(1))))));
        c.awaitAction("SUBACK 3 [128, 2, 128]");
    }

    @Test
    void publishToWildcardOrDollarTopic_isRejectedOrDropped() {
        Client c = new Client().connect("ch-bad", true).subscribe(1, "#", 1);
        c.publish(4, "$SYS/x", "no", 1);
        c.awaitAction("PUBACK 4"); // acknowledged, not delivered
        assertThat(c.out.of("PUBLISH")).isEmpty();
        c.publish(5, "a/+", "no", 1);
        c.awaitAction("CLOSE protocol_error rc=0x90"); // an MQTT 5 client would get DISCONNECT 0x90 (topic name invalid)
    }

    @Test
    void persistentSession_resumes_withQueuedMessagesAndSessionPresent() {
        Client first = new Client().connect("ch-dev", false).subscribe(1, "p/x", 1);
        first.run(c -> c.onDisconnect(Packets.Disconnect.NORMAL));
        first.run(ClientProtocol::onClosed);
        await().atMost(10, TimeUnit.SECONDS).until(() -> broker.sessions().channel("ch-dev") == null);
        Client pub = new Client().connect("ch-ppub", true);
        pub.publish(1, "p/x", "queued", 1);
        pub.awaitAction("PUBACK 1");
        Client again = new Client().connect("ch-dev", false);
        again.awaitAction("CONNACK 0 sp=true");
        await().atMost(10, TimeUnit.SECONDS).until(() -> again.out.actions.stream().anyMatch(a -> a.startsWith("PUBLISH p/x queued q1")));
    }

    // issue 11, point 4: a takeover asked for while the connection was still claiming its session is not lost
    @Test
    void kickWhileClaiming_closesTheConnectionAsTakenOver_insteadOfLeavingTwoLiveConnections() {
        Client c = new Client();
        // Another node claimed the id before this claim returns. The kick is recorded first and waited for: a
        // kick queued after onConnect may run after a fast claim's CONNACK, which is the other (ordinary) order.
        CompletableFuture<Void> kicked = new CompletableFuture<>();
        c.run(ch -> ch.kick(Long.MAX_VALUE).onComplete(ar -> kicked.complete(null)));
        await().atMost(10, TimeUnit.SECONDS).until(kicked::isDone);
        c.run(ch -> ch.onConnect(new Packets.Connect(4, "ch-kicked", false, 30, null, null, null, -1, 65_535)));
        c.awaitAction("CLOSE taken_over");
        assertThat(c.out.of("CONNACK")).isEmpty();
    }

    // issue 11, point 5: a message resent after a resume carries DUP=1 [MQTT-4.4.0-1], also one queued while
    // the session was offline (sent for the first time by the connection before)
    @Test
    void resume_resendsWithDup_aMessageQueuedWhileOfflineAndSentOnce() {
        Client first = new Client().connect("ch-flags", false).subscribe(1, "flags/#", 1);
        first.run(c -> c.onDisconnect(Packets.Disconnect.NORMAL));
        first.run(ClientProtocol::onClosed);
        await().atMost(10, TimeUnit.SECONDS).until(() -> broker.sessions().channel("ch-flags") == null);
        Client pub = new Client().connect("ch-fpub", true);
        pub.publish(1, "flags/x", "once", 1);
        pub.awaitAction("PUBACK 1");
        Client second = new Client().connect("ch-flags", false);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !second.out.of("PUBLISH flags/x once").isEmpty());
        assertThat(second.out.of("PUBLISH flags/x once").get(0)).doesNotContain(" dup");
        second.run(ClientProtocol::onClosed); // dropped before its PUBACK
        await().atMost(10, TimeUnit.SECONDS).until(() -> broker.sessions().channel("ch-flags") == null);
        Client third = new Client().connect("ch-flags", false);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !third.out.of("PUBLISH flags/x once").isEmpty());
        assertThat(third.out.of("PUBLISH flags/x once").get(0)).contains(" dup");
    }

    // issue 11, point 5: a retained message sent because of a new subscription keeps RETAIN=1 when it is resent
    // after a resume [MQTT-3.3.1-8]
    @Test
    void resume_resendsARetainedMessageOfANewSubscription_withRetain() {
        Client pub = new Client().connect("ch-rpub", true);
        pub.run(ch -> ch.onPublish(new Packets.Publish(1, "kept/r", "state".getBytes(), 1, false, true)));
        pub.awaitAction("PUBACK 1");
        Client first = new Client().connect("ch-rsub", false).subscribe(1, "kept/#", 1);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !first.out.of("PUBLISH kept/r state").isEmpty());
        assertThat(first.out.of("PUBLISH kept/r state").get(0)).contains(" retain");
        first.run(ClientProtocol::onClosed); // dropped before its PUBACK
        await().atMost(10, TimeUnit.SECONDS).until(() -> broker.sessions().channel("ch-rsub") == null);
        Client again = new Client().connect("ch-rsub", false);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !again.out.of("PUBLISH kept/r state").isEmpty());
        assertThat(again.out.of("PUBLISH kept/r state").get(0)).contains(" retain").contains(" dup");
    }

    @Test
    void takeover_closesTheOldChannelWithoutWill_andTheNewOneGetsTheMessages() {
        Client watcher = new Client().connect("ch-watch", true).subscribe(1, "will/ch", 1);
        Client old = new Client();
        old.run(ch -> ch.onConnect(new Packets.Connect(4, "ch-take", false, 30, null, null,
                new Packets.Will("will/ch", "w".getBytes(), 1, false, 0), -1, 65_535)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> !old.out.of("CONNACK").isEmpty());
        old.subscribe(1, "take/x", 1);
        Client next = new Client().connect("ch-take", false);
        assertThat(next.out.actions).contains("CONNACK 0 sp=true");
        old.awaitAction("CLOSE taken_over");
        Client pub = new Client().connect("ch-tpub", true);
        pub.publish(1, "take/x", "for-new", 1);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !next.out.of("PUBLISH take/x for-new").isEmpty());
        assertThat(old.out.of("PUBLISH")).isEmpty();
        old.run(ClientProtocol::onClosed); // the socket's close event after the takeover: no will
        pub.publish(2, "will/ch", "marker", 1);
        watcher.awaitAction("PUBLISH will/ch marker q1 id=1");
        assertThat(watcher.out.of("PUBLISH will/ch w ")).isEmpty();
    }

    @Test
    void abnormalClose_publishesTheWill_butDisconnectDoesNot() {
        Client watcher = new Client().connect("ch-watch2", true).subscribe(1, "will/#", 1);
        Client dropped = new Client();
        dropped.run(ch -> ch.onConnect(new Packets.Connect(4, "ch-w1", true, 30, null, null,
                new Packets.Will("will/a", "dropped".getBytes(), 1, false, 0), -1, 65_535)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> !dropped.out.of("CONNACK").isEmpty());
        dropped.run(ClientProtocol::onClosed);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !watcher.out.of("PUBLISH will/a dropped").isEmpty());

        Client polite = new Client();
        polite.run(ch -> ch.onConnect(new Packets.Connect(4, "ch-w2", true, 30, null, null,
                new Packets.Will("will/b", "polite".getBytes(), 1, false, 0), -1, 65_535)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> !polite.out.of("CONNACK").isEmpty());
        polite.run(c -> c.onDisconnect(Packets.Disconnect.NORMAL));
        polite.run(ClientProtocol::onClosed);
        Client marker = new Client().connect("ch-w3", true);
        marker.publish(1, "will/c", "marker", 1);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !watcher.out.of("PUBLISH will/c marker").isEmpty());
        assertThat(watcher.out.of("PUBLISH will/b")).isEmpty();
    }

    @Test
    void notWritable_dropsQos0AndHoldsQos1() {
        Client sub = new Client().connect("ch-slow", true).subscribe(1, "slow/#", 1);
        sub.out.writable = false;
        Client pub = new Client().connect("ch-spub", true);
        pub.publish(0, "slow/0", "dropped", 0);
        pub.publish(1, "slow/1", "held", 1);
        pub.awaitAction("PUBACK 1");
        sub.run(ch -> { }); // let queued deliveries run
        await().pollDelay(200, TimeUnit.MILLISECONDS).atMost(5, TimeUnit.SECONDS).until(() -> true);
        assertThat(sub.out.of("PUBLISH")).isEmpty();
        sub.out.writable = true;
        sub.run(ClientProtocol::onWritable);
        sub.awaitAction("PUBLISH slow/1 held q1 id=1");
        assertThat(sub.out.of("PUBLISH slow/0")).isEmpty();
    }
}
