package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.message.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session rules ({@link SessionRecord}, {@link SessionQueue}, {@link InboundQos2} and their processors)
 * on the in-memory store, which runs the same processors as the cluster: fast, no Hazelcast.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SessionRulesTest {

    private static final long FOREVER = SessionRecord.NEVER;
    private static final QueueLimits LIMITS = new QueueLimits(100, true, 4);
    private final InMemorySessionStore store = new InMemorySessionStore();

    private static <T> T now(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private static ClaimRequest req(String node, boolean clean, long expiry, Message will, int willDelay, long nowMillis) {
        return new ClaimRequest(node, clean, expiry, will, willDelay, 5, nowMillis, 42 + nowMillis);
    }

    private static Message msg(long id) {
        return new Message(9, id, "t", ("m" + id).getBytes(), 2, false, "pub", 0, null);
    }

    private static Target qos2() {
        return new Target(2, false, null, null);
    }

    private ClaimResult offlineSession(String id) {
        ClaimResult c = now(store.claim(id, req("n1", false, FOREVER, null, 0, 1000)));
        now(store.release(id, "n1", c.epoch(), false, null, 1000));
        return c;
    }

    // ------------------------------------------------------------------ split brain merge

    @Test
    void merge_theCopyChangedLastWins_whicheverSideIsMergedInto() {
        SessionRecord stale = SessionRecord.claim(null, "c", req("n1", false, FOREVER, null, 0, 1000), null);
        SessionRecord working = SessionRecord.claim(null, "c", req("n1", false, FOREVER, null, 0, 1000), null);
        stale.updatedAtMillis = 1_000; // a paused member's copy, of before the pause
        working.updatedAtMillis = 9_000; // queued, acknowledged, taken over meanwhile
        assertThat(SessionMergePolicy.choose(working, stale)).as("merged into the stale side").isSameAs(working);
        assertThat(SessionMergePolicy.choose(stale, working)).as("the stale side merged in").isSameAs(working);
    }

    @Test
    void merge_aCopyWithMoreButEarlierChangesGivesWay() {
        // fault harness seed 105: in a partial partition a primary applied writes its backup never confirmed
        // (50 changes until its member was removed); the surviving members went on with fewer, later changes
        SessionRecord cutOff = SessionRecord.claim(null, "c", req("n2", false, FOREVER, null, 0, 1000), null);
        SessionRecord survivors = SessionRecord.claim(null, "c", req("n2", false, FOREVER, null, 0, 1000), null);
        for (int i = 0; i < 50; i++) {
            cutOff.changed();
        }
        cutOff.updatedAtMillis = 5_000;
        survivors.changed();
        survivors.updatedAtMillis = 6_000;
        assertThat(SessionMergePolicy.choose(cutOff, survivors)).isSameAs(survivors);
        assertThat(SessionMergePolicy.choose(survivors, cutOff)).isSameAs(survivors);
    }

    @Test
    void merge_atTheSameTimeMoreChangesWins_andATieKeepsTheExisting() {
        SessionRecord old = SessionRecord.claim(null, "c", req("n1", false, FOREVER, null, 0, 1000), null).changed().changed();
        SessionRecord fresh = SessionRecord.claim(null, "c", req("n2", false, FOREVER, null, 0, 2000), null);
        old.updatedAtMillis = 7_000;
        fresh.updatedAtMillis = 7_000;
        assertThat(SessionMergePolicy.choose(old, fresh)).isSameAs(old);
        SessionRecord twin = SessionRecord.claim(null, "c", req("n2", false, FOREVER, null, 0, 2000), null).changed().changed();
        twin.updatedAtMillis = 7_000;
        assertThat(SessionMergePolicy.choose(twin, old)).isSameAs(old);
        assertThat(SessionMergePolicy.choose(null, old)).isSameAs(old);
        assertThat(SessionMergePolicy.choose(old, null)).isSameAs(old);
    }

    @Test
    void everyRuleThatChangesARecordCountsIt_alsoAcrossACleanStart() {
        ClaimResult c = now(store.claim("m", req("n1", false, FOREVER, null, 0, 1000)));
        long[] before = {store.get("m").changes()};
        now(store.qos2Receive("m", c.epoch(), 7, 1, 100));
        assertThat(store.get("m").changes()).isGreaterThan(before[0]);
        before[0] = store.get("m").changes();
        long at = store.get("m").updatedAtMillis();
        now(store.claim("m", req("n2", true, FOREVER, null, 0, 2000)));
        assertThat(store.get("m").changes()).as("a clean start continues the count").isGreaterThan(before[0]);
        assertThat(store.get("m").updatedAtMillis()).as("and its time never goes back").isGreaterThanOrEqualTo(at).isPositive();
    }

    // ------------------------------------------------------------------ QoS 2 receive state [MQTT-4.3.3-2]

    @Test
    void qos2Receive_newThenResent_returnsTheFirstIdAsRecordedUntilRouted() {
        ClaimResult c = now(store.claim("p", req("n1", false, FOREVER, null, 0, 1000)));
        assertThat(now(store.qos2Receive("p", c.epoch(), 7, 1, 100))).containsExactly(Qos2Receive.NEW, 1, 100);
        assertThat(now(store.qos2Receive("p", c.epoch(), 7, 1, 200))).containsExactly(Qos2Receive.RECORDED, 1, 100);
        assertThat(now(store.qos2Routed("p", c.epoch(), 7))).isTrue();
        assertThat(now(store.qos2Receive("p", c.epoch(), 7, 1, 300))).containsExactly(Qos2Receive.ROUTED, 1, 100);
        assertThat(now(store.qos2Release("p", c.epoch(), 7))).isTrue();
        assertThat(now(store.qos2Receive("p", c.epoch(), 7, 1, 400))[0]).as("a released id is a new message").isEqualTo(Qos2Receive.NEW);
    }

    @Test
    void qos2State_survivesAReconnectOnAnotherNode() {
        ClaimResult first = now(store.claim("p", req("n1", false, FOREVER, null, 0, 1000)));
        now(store.qos2Receive("p", first.epoch(), 7, 1, 100));
        now(store.qos2Routed("p", first.epoch(), 7));
        ClaimResult second = now(store.claim("p", req("n2", false, FOREVER, null, 0, 2000)));
        assertThat(second.sessionPresent()).isTrue();
        assertThat(now(store.qos2Receive("p", second.epoch(), 7, 2, 1))).containsExactly(Qos2Receive.ROUTED, 1, 100);
    }

    @Test
    void qos2Writes_ofATakenOverConnection_areFenced() {
        ClaimResult old = now(store.claim("p", req("n1", false, FOREVER, null, 0, 1000)));
        ClaimResult current = now(store.claim("p", req("n2", false, FOREVER, null, 0, 2000)));
        assertThat(now(store.qos2Receive("p", old.epoch(), 7, 1, 1))).containsExactly(Qos2Receive.FENCED);
        now(store.qos2Receive("p", current.epoch(), 8, 1, 2));
        assertThat(now(store.qos2Release("p", old.epoch(), 8))).isFalse();
        assertThat(store.get("p").inboundQos2Count()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ queue

    @Test
    void append_resentQos2Copy_isRecognisedInTheQueueAndAfterItWasAcknowledged() {
        offlineSession("s");
        AppendResult first = now(store.append(msg(1), Map.of("s", qos2()), LIMITS, false)).get("s");
        AppendResult again = now(store.append(msg(1), Map.of("s", qos2()), LIMITS, true)).get("s");
        assertThat(again.status()).isEqualTo(AppendResult.DUPLICATE);
        assertThat(again.seq()).as("still queued: its sequence number").isEqualTo(first.seq());
        now(store.ack("s", new long[]{first.seq()}));
        AppendResult late = now(store.append(msg(1), Map.of("s", qos2()), LIMITS, true)).get("s");
        assertThat(late.status()).isEqualTo(AppendResult.DUPLICATE);
        assertThat(late.seq()).as("left the queue").isZero();
        assertThat(store.get("s").queueSize()).isZero();
    }

    /**
     * Fault harness seed 796606325: a node stood still in the middle of routing a QoS 2 message; the publisher
     * reconnected elsewhere and sent it again, routed as a possible second copy; then the first routing carried
     * on and queued it a second time, right behind the first, for a persistent subscriber.
     */
    @Test
    void append_firstRoutingArrivingAfterTheResent_isRecognised_queuedOrNot() {
        offlineSession("s");
        AppendResult resent = now(store.append(msg(1), Map.of("s", qos2()), LIMITS, true)).get("s");
        assertThat(resent.status()).isEqualTo(AppendResult.APPENDED);
        AppendResult late = now(store.append(msg(1), Map.of("s", qos2()), LIMITS, false)).get("s");
        assertThat(late.status()).isEqualTo(AppendResult.DUPLICATE);
        assertThat(late.seq()).as("still queued: its sequence number").isEqualTo(resent.seq());

        AppendResult other = now(store.append(msg(2), Map.of("s", qos2()), LIMITS, true)).get("s");
        now(store.ack("s", new long[]{other.seq()}));
        AppendResult lateAfterAck = now(store.append(msg(2), Map.of("s", qos2()), LIMITS, false)).get("s");
        assertThat(lateAfterAck.status()).isEqualTo(AppendResult.DUPLICATE);
        assertThat(lateAfterAck.seq()).as("left the queue").isZero();

        assertThat(now(store.append(msg(3), Map.of("s", qos2()), LIMITS, false)).get("s").status())
                .as("a message never routed before").isEqualTo(AppendResult.APPENDED);
        assertThat(store.get("s").queueSize()).isEqualTo(2);
    }

    @Test
    void append_sameQos2CopyTwiceInARow_unflagged_isQueuedOnce() {
        offlineSession("s");
        AppendResult first = now(store.append(msg(1), Map.of("s", qos2()), LIMITS, false)).get("s");
        AppendResult again = now(store.append(msg(1), Map.of("s", qos2()), LIMITS, false)).get("s");
        assertThat(again.status()).isEqualTo(AppendResult.DUPLICATE);
        assertThat(again.seq()).isEqualTo(first.seq());
        Target qos1 = new Target(1, false, null, null);
        now(store.append(msg(2), Map.of("s", qos1), LIMITS, false));
        assertThat(now(store.append(msg(2), Map.of("s", qos1), LIMITS, false)).get("s").status())
                .as("QoS 1 may come twice").isEqualTo(AppendResult.APPENDED);
    }

    @Test
    void append_qos2Window_remembersTheLastIdsOnly() {
        offlineSession("s");
        for (long i = 1; i <= 10; i++) {
            AppendResult r = now(store.append(msg(i), Map.of("s", qos2()), LIMITS, false)).get("s");
            now(store.ack("s", new long[]{r.seq()}));
        }
        // window of 4: ids 7..10 are known, 6 is forgotten (taken as new: at worst a duplicate, never a loss)
        for (long i = 7; i <= 10; i++) {
            assertThat(now(store.append(msg(i), Map.of("s", qos2()), LIMITS, true)).get("s").status()).isEqualTo(AppendResult.DUPLICATE);
        }
        assertThat(now(store.append(msg(6), Map.of("s", qos2()), LIMITS, true)).get("s").status()).isEqualTo(AppendResult.APPENDED);
    }

    @Test
    void append_mayBeDuplicateOfANewMessage_isAppended() {
        offlineSession("s");
        assertThat(now(store.append(msg(5), Map.of("s", qos2()), LIMITS, true)).get("s").status()).isEqualTo(AppendResult.APPENDED);
    }

    @Test
    void snapshot_returnsFlagsAsTheyWere_andMarksEverythingMaybeSent() {
        offlineSession("s");
        now(store.append(msg(1), Map.of("s", qos2()), LIMITS, false));
        ClaimResult c = now(store.claim("s", req("n1", false, FOREVER, null, 0, 2000)));
        SnapshotResult first = now(store.snapshot("s", c.epoch()));
        assertThat(first.queue()).singleElement().matches(q -> !q.maybeSent());
        assertThat(first.nextSeq()).isEqualTo(2);
        now(store.release("s", "n1", c.epoch(), true, null, 1000));
        ClaimResult again = now(store.claim("s", req("n2", false, FOREVER, null, 0, 3000)));
        assertThat(now(store.snapshot("s", again.epoch())).queue()).singleElement()
                .as("sent by the previous connection: a resend carries DUP=1 [MQTT-4.4.0-1]").matches(QueuedMessage::maybeSent);
    }

    @Test
    void claim_cleanStart_continuesSequenceNumbers() {
        offlineSession("s");
        now(store.append(msg(1), Map.of("s", qos2()), LIMITS, false));
        ClaimResult clean = now(store.claim("s", req("n1", true, FOREVER, null, 0, 2000)));
        assertThat(clean.sessionPresent()).isFalse();
        assertThat(clean.nextSeq()).isEqualTo(2);
        assertThat(clean.discardedSessionUid()).isNotEqualTo(clean.sessionUid());
    }

    // ------------------------------------------------------------------ subscriptions fencing

    @Test
    void updateSubscriptions_byATakenOverConnection_changesNothing() {
        ClaimResult old = now(store.claim("s", req("n1", false, FOREVER, null, 0, 1000)));
        now(store.updateSubscriptions("s", old.epoch(), Map.of("a/#", SubOptions.ofQos(1)), List.of()));
        ClaimResult current = now(store.claim("s", req("n2", false, FOREVER, null, 0, 2000)));
        assertThat(now(store.updateSubscriptions("s", old.epoch(), Map.of(), List.of("a/#")))).isFalse();
        assertThat(store.get("s").subscriptions()).containsKey("a/#");
        assertThat(now(store.updateSubscriptions("s", current.epoch(), Map.of(), List.of("a/#")))).isTrue();
        assertThat(store.get("s").subscriptions()).isEmpty();
    }

    // ------------------------------------------------------------------ expiry and delayed wills [MQTT-3.1.3-9]

    @Test
    void expire_afterTheInterval_removesTheSessionAndReturnsWhatToCleanUp() {
        ClaimResult c = now(store.claim("s", req("n1", false, 5, null, 0, 1000)));
        now(store.updateSubscriptions("s", c.epoch(), Map.of("a/#", SubOptions.ofQos(1)), List.of()));
        now(store.release("s", "n1", c.epoch(), false, null, 1000));
        now(store.append(msg(1), Map.of("s", new Target(1, false, "$share/g/a/#", null)), LIMITS, false));
        now(store.append(msg(2), Map.of("s", new Target(1, false, null, null)), LIMITS, false));
        assertThat(store.dueForExpiry(5_999)).isEmpty();
        assertThat(store.dueForExpiry(6_000)).containsExactly("s");
        ExpireResult r = now(store.expire("s", 6_000));
        assertThat(r.expired()).isTrue();
        assertThat(r.sessionUid()).isEqualTo(c.sessionUid());
        assertThat(r.subscriptions()).containsExactly("a/#");
        assertThat(r.sharedCopies()).extracting(q -> q.message().idLow()).containsExactly(1L);
        assertThat(r.queuedDropped()).isEqualTo(1);
        assertThat(store.get("s")).isNull();
    }

    @Test
    void expire_ofASessionThatReconnected_changesNothing() {
        ClaimResult c = now(store.claim("s", req("n1", false, 5, null, 0, 1000)));
        now(store.release("s", "n1", c.epoch(), false, null, 1000));
        now(store.claim("s", req("n1", false, 5, null, 0, 5_500)));
        ExpireResult r = now(store.expire("s", 7_000));
        assertThat(r.expired()).isFalse();
        assertThat(store.get("s")).isNotNull();
    }

    @Test
    void delayedWill_isPublishedByTheSweepAfterTheDelay_notAtDisconnect() {
        Message will = new Message(1, 1, "w", "bye".getBytes(), 1, false, "s", 0, null);
        ClaimResult c = now(store.claim("s", req("n1", false, 60, will, 10, 1000)));
        ReleaseResult released = now(store.release("s", "n1", c.epoch(), true, null, 1000));
        assertThat(released.will()).as("delayed").isNull();
        assertThat(store.dueForExpiry(10_999)).isEmpty();
        ExpireResult due = now(store.expire("s", 11_000));
        assertThat(due.will().topic()).isEqualTo("w");
        assertThat(due.expired()).isFalse();
        assertThat(now(store.expire("s", 12_000)).will()).as("published once").isNull();
    }

    @Test
    void delayedWill_isDiscardedWhenTheSessionResumesFirst() {
        Message will = new Message(1, 1, "w", "bye".getBytes(), 1, false, "s", 0, null);
        ClaimResult c = now(store.claim("s", req("n1", false, 60, will, 10, 1000)));
        now(store.release("s", "n1", c.epoch(), true, null, 1000));
        ClaimResult back = now(store.claim("s", req("n2", false, 60, null, 0, 5000)));
        assertThat(back.endedWill()).isNull();
        assertThat(store.dueForExpiry(20_000)).isEmpty();
    }

    @Test
    void delayedWill_isPublishedAtOnceWhenACleanStartEndsTheSession() {
        Message will = new Message(1, 1, "w", "bye".getBytes(), 1, false, "s", 0, null);
        ClaimResult c = now(store.claim("s", req("n1", false, 60, will, 10, 1000)));
        now(store.release("s", "n1", c.epoch(), true, null, 1000));
        assertThat(now(store.claim("s", req("n2", true, 0, null, 0, 5000))).endedWill().topic()).isEqualTo("w");
    }

    @Test
    void delayedWill_longerThanTheSession_isPublishedWhenTheSessionEnds() {
        Message will = new Message(1, 1, "w", "bye".getBytes(), 1, false, "s", 0, null);
        ClaimResult c = now(store.claim("s", req("n1", false, 5, will, 30, 1000)));
        now(store.release("s", "n1", c.epoch(), true, null, 1000));
        ExpireResult r = now(store.expire("s", 6_000));
        assertThat(r.expired()).isTrue();
        assertThat(r.will().topic()).isEqualTo("w");
    }

    // ------------------------------------------------------------------ dead owners and shared copies

    @Test
    void releaseDeadOwners_returnsTheWillAndTheSharedCopiesOfTheDeadNodesSessions() {
        Message will = new Message(1, 1, "w", "bye".getBytes(), 1, false, "s", 0, null);
        now(store.claim("s", req("dead", false, FOREVER, will, 0, 1000)));
        now(store.append(msg(1), Map.of("s", new Target(1, false, "$share/g/t", null)), LIMITS, false));
        Map<String, ReleaseResult> released = store.releaseDeadOwners(java.util.Set.of("n1"), 2000);
        assertThat(released.get("s").will().topic()).isEqualTo("w");
        assertThat(released.get("s").sharedCopies()).hasSize(1);
        assertThat(store.get("s").queueSize()).isZero();
    }
}
