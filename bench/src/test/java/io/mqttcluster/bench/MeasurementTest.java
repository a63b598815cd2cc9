package io.mqttcluster.bench;

import io.mqttcluster.bench.measure.Receiver;
import io.mqttcluster.bench.report.RunResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.mqttcluster.bench.BenchRuns.args;
import static io.mqttcluster.bench.BenchRuns.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The tool's measurements against a scripted broker that drops, duplicates or reorders exactly the messages a test
 * names: the counts the tool reports must be exactly those, on exactly those streams.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MeasurementTest {
    private ScriptedBroker broker;

    @BeforeEach
    void start() {
        broker = new ScriptedBroker();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static Receiver.StreamResult stream(RunResult r, int publisher) {
        return r.problemStreams.stream().filter(s -> s.publisher == publisher).findFirst().orElseThrow();
    }

    @Test
    void fanin_qos0_scriptedDropDuplicateSwap_reportedExactly() {
        broker.drop(0, 5, null).duplicate(0, 10, null).swapWithNext(1, 20, null);

        RunResult r = run(args("fanin", broker.port(), "-P", "2", "-q", "0", "-n", "200", "--drain", "1s"));

        assertThat(r.sent).isEqualTo(400);
        assertThat(r.received).isEqualTo(400); // one dropped, one duplicated
        assertThat(r.lost).isEqualTo(1);
        assertThat(r.duplicated).isEqualTo(1);
        assertThat(r.outOfOrder).isEqualTo(1);
        assertThat(r.streamsTotal).isEqualTo(2);
        assertThat(stream(r, 0).lost).isEqualTo(1);
        assertThat(stream(r, 0).duplicates).isEqualTo(1);
        assertThat(stream(r, 0).outOfOrder).isZero();
        assertThat(stream(r, 1).outOfOrder).isEqualTo(1);
        assertThat(stream(r, 1).lost).isZero();
        assertThat(r.latency.count).isEqualTo(399);
    }

    @Test
    void fanin_qos1_acknowledgedButDropped_isLost() {
        broker.drop(1, 0, null).drop(1, 99, null).duplicate(0, 50, null).swapWithNext(0, 70, null);

        RunResult r = run(args("fanin", broker.port(), "-P", "3", "-q", "1", "-n", "100", "--drain", "1s"));

        assertThat(r.sent).isEqualTo(300);
        assertThat(r.unacked).isZero();
        assertThat(r.ackLatency.count).isEqualTo(300);
        assertThat(r.lost).isEqualTo(2);
        assertThat(stream(r, 1).lost).isEqualTo(2);
        assertThat(r.duplicated).isEqualTo(1);
        assertThat(r.outOfOrder).isEqualTo(1);
        assertThat(stream(r, 0).duplicates).isEqualTo(1);
        assertThat(stream(r, 0).outOfOrder).isEqualTo(1);
        assertThat(r.lostUnacked).as("the broker acknowledged the lost ones").isZero();
        assertThat(broker.protocolErrors.get()).isZero();
    }

    @Test
    void qos1_neverAcknowledged_isLostButSaidSo() {
        broker.swallow(0, 3).drop(0, 8, null);

        RunResult r = run(args("fanin", broker.port(), "-P", "1", "-q", "1", "-n", "20", "--drain", "500ms"));

        assertThat(r.sent).isEqualTo(20);
        assertThat(r.unacked).isEqualTo(1);
        assertThat(r.lost).isEqualTo(2);
        assertThat(r.lostUnacked).as("seq 3 was never acknowledged; seq 8 was").isEqualTo(1);
        assertThat(stream(r, 0).lostUnacked).isEqualTo(1);
    }

    @Test
    void qos2_repeatBeforePubrel_isNotADuplicate_butANewPublishIs() {
        broker.qos2RepeatSameId(0, 7, null).duplicate(0, 9, null);

        RunResult r = run(args("fanin", broker.port(), "-P", "1", "-q", "2", "-n", "50"));

        assertThat(r.sent).isEqualTo(50);
        assertThat(r.unacked).isZero();
        assertThat(r.lost).isZero();
        assertThat(r.duplicated).as("only the repeat with a new packet id is a second delivery").isEqualTo(1);
        assertThat(r.received).isEqualTo(51);
        assertThat(broker.protocolErrors.get()).as("the client ran both QoS 2 flows correctly").isZero();
    }

    @Test
    void fanout_dropForOneSubscriber_countsOnlyThatStream() {
        broker.drop(0, 50, "sub-1").swapWithNext(0, 60, "sub-2");

        RunResult r = run(args("fanout", broker.port(), "-S", "3", "-q", "1", "-n", "100", "--drain", "1s"));

        assertThat(r.sent).isEqualTo(100);
        assertThat(r.streamsTotal).isEqualTo(3);
        assertThat(r.lost).isEqualTo(1);
        assertThat(r.outOfOrder).isEqualTo(1);
        assertThat(r.problemStreams).hasSize(2);
        assertThat(r.problemStreams).anySatisfy(s -> {
            assertThat(s.receiver).endsWith("sub-1");
            assertThat(s.lost).isEqualTo(1);
            assertThat(s.received).isEqualTo(99);
        });
        assertThat(r.problemStreams).anySatisfy(s -> {
            assertThat(s.receiver).endsWith("sub-2");
            assertThat(s.outOfOrder).isEqualTo(1);
            assertThat(s.lost).isZero();
        });
    }

    @Test
    void fleet_sharedGroup_expectsEachMessageOnceAcrossMembers() {
        broker.duplicate(2, 3, null).drop(3, 4, null);

        RunResult r = run(args("fleet", broker.port(), "-D", "4", "-M", "2", "--device-rate", "100", "-n", "40",
                "--source-ips", "none", "--drain", "1s"));

        assertThat(r.sent).isEqualTo(160);
        assertThat(r.streamsTotal).as("one receiver (the group) x 4 devices").isEqualTo(4);
        assertThat(r.lost).isEqualTo(1);
        assertThat(stream(r, 3).lost).isEqualTo(1);
        assertThat(r.duplicated).isEqualTo(1);
        assertThat(stream(r, 2).duplicates).isEqualTo(1);
        assertThat(r.received).isEqualTo(160);
    }

    @Test
    void latency_brokerDelay_isMeasuredEndToEnd() {
        broker.deliveryDelayMillis(40);

        RunResult r = run(args("pairs", broker.port(), "-N", "1", "-q", "0", "-r", "200", "-n", "100"));

        assertThat(r.latency.count).isEqualTo(100);
        assertThat(r.latency.p50).isGreaterThanOrEqualTo(40.0).isLessThan(40.0 + 60);
        assertThat(r.latency.max).isGreaterThanOrEqualTo(r.latency.p99);
        assertThat(r.latency.p99).isGreaterThanOrEqualTo(r.latency.p50);
    }

    @Test
    void window_closedLoop_neverExceeded() {
        broker.deliveryDelayMillis(20);

        RunResult r = run(args("fanin", broker.port(), "-P", "4", "-q", "0", "-w", "10", "-n", "100"));

        assertThat(r.lost).isZero();
        assertThat(r.windowCapacity).isEqualTo(10);
        assertThat(r.windowMaxOutstanding).isLessThanOrEqualTo(10);
        assertThat(broker.maxPendingDeliveries.get()).as("messages held by the broker at once")
                .isLessThanOrEqualTo(10).isGreaterThanOrEqualTo(5);
    }

    @Test
    void window_fanout_countsAMessageUntilEverySubscriberHasIt() {
        broker.deliveryDelayMillis(20);

        RunResult r = run(args("fanout", broker.port(), "-S", "3", "-q", "1", "-w", "5", "-n", "60"));

        assertThat(r.lost).isZero();
        assertThat(r.windowCapacity).isEqualTo(15);
        assertThat(r.windowMaxOutstanding).isLessThanOrEqualTo(15);
        assertThat(broker.maxPendingDeliveries.get()).isLessThanOrEqualTo(15);
    }

    @Test
    void window_fullOfLostMessages_isForgivenAfterTheStallTime() {
        broker.drop(0, 5, null).drop(0, 6, null);

        RunResult r = run(args("fanin", broker.port(), "-P", "1", "-q", "0", "-w", "2", "-n", "20",
                "--window-stall", "300ms", "--drain", "500ms"));

        assertThat(r.sent).isEqualTo(20);
        assertThat(r.lost).isEqualTo(2);
        assertThat(r.windowStalls).isEqualTo(1);
        assertThat(r.received).isEqualTo(18);
    }

    @Test
    void rateLimiter_holdsItsRateOverABoundedRun() {
        RunResult r = run(args("pub", broker.port(), "-P", "2", "-q", "0", "-r", "2000", "-d", "2s"));

        assertThat(r.measuredSeconds).isCloseTo(2.0, within(0.2));
        assertThat(r.sentPerSecond).as("within 10%%").isCloseTo(2000.0, within(200.0));
    }

    @Test
    void mqtt5_serverReceiveMaximum_capsUnacknowledgedPublishes() {
        broker.receiveMaximum(4).pubAckDelayMillis(10);

        RunResult r = run(args("pub", broker.port(), "--mqtt", "5", "-P", "1", "-q", "1", "--inflight", "32", "-n", "100"));

        assertThat(r.sent).isEqualTo(100);
        assertThat(r.unacked).isZero();
        assertThat(broker.maxInboundUnacked.get()).isEqualTo(4);
    }

    @Test
    void subAndPubInSeparateRuns_gapsInASequenceAreLost() throws Exception {
        broker.drop(0, 10, null).duplicate(0, 20, null);
        CompletableFuture<RunResult> sub = CompletableFuture.supplyAsync(() ->
                run("sub", "--port", Integer.toString(broker.port()), "--quiet", "-t", "gaps/#", "-d", "3s", "--drain", "0"));
        await().atMost(10, TimeUnit.SECONDS).until(() -> broker.subscriptions() == 1);

        RunResult pub = run(args("pub", broker.port(), "-t", "gaps/%i", "-q", "1", "-n", "50"));
        RunResult r = sub.get(20, TimeUnit.SECONDS);

        assertThat(pub.sent).isEqualTo(50);
        assertThat(r.received).isEqualTo(50);
        assertThat(r.lost).as("a gap below the highest sequence number seen").isEqualTo(1);
        assertThat(r.duplicated).isEqualTo(1);
        assertThat(r.latency.count).isEqualTo(49);
    }
}
