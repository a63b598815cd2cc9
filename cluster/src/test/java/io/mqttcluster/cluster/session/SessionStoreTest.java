package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.ClusterNode;
import io.mqttcluster.cluster.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session rules on real Hazelcast members: two members, so processors and results cross the wire
 * for the keys the other member owns.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionStoreTest {

    private static final long FOREVER = Long.MAX_VALUE;
    private static List<ClusterNode> nodes;
    private static ClusterNode a;
    private static ClusterNode b;

    @BeforeAll
    static void start() throws Exception {
        nodes = io.mqttcluster.cluster.TestMembers.start("a", "b");
        a = nodes.get(0);
        b = nodes.get(1);
    }

    @AfterAll
    static void stop() {
        io.mqttcluster.cluster.TestMembers.close(nodes);
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    static ClaimRequest req(String node, boolean cleanStart, long expiry, Message will) {
        return new ClaimRequest(node, cleanStart, expiry, will, 0, 4, System.currentTimeMillis(), java.util.concurrent.ThreadLocalRandom.current().nextLong());
    }

    private static Message msg(String topic, int n) {
        return new Message(7, n, topic, ("m" + n).getBytes(), 1, false, "pub", 0, null);
    }

    @Test
    void claim_newClientId_isNotPresentAndStartsAtEpochOne() throws Exception {
        ClaimResult r = await(a.sessions().claim("fresh-" + UUID.randomUUID(), req(a.nodeId(), true, 0, null)));
        assertThat(r.sessionPresent()).isFalse();
        assertThat(r.previousOwner()).isNull();
        assertThat(r.epoch()).isEqualTo(1);
    }

    @Test
    void persistentSession_offlineQueue_isResumedInOrderOnAnyMember() throws Exception {
        String id = "dev-" + UUID.randomUUID();
        ClaimResult first = await(a.sessions().claim(id, req(a.nodeId(), false, FOREVER, null)));
        await(a.sessions().updateSubscriptions(id, first.epoch(), Map.of("t/#", SubOptions.ofQos(1)), List.of()));
        ReleaseResult released = await(a.sessions().release(id, a.nodeId(), first.epoch(), false, null, System.currentTimeMillis()));
        assertThat(released.released()).isTrue();

        for (int i = 0; i < 5; i++) {
            Map<String, AppendResult> res = await(b.sessions().append(msg("t/x", i), Map.of(id, new Target(1, false, null, null)), new QueueLimits(100, true, 100), false));
            assertThat(res.get(id).status()).isEqualTo(AppendResult.APPENDED);
            assertThat(res.get(id).owner()).isNull(); // offline: nobody to send it to now
        }

        ClaimResult resumed = await(b.sessions().claim(id, req(b.nodeId(), false, FOREVER, null)));
        assertThat(resumed.sessionPresent()).isTrue();
        assertThat(resumed.previousOwner()).isNull();
        assertThat(resumed.subscriptions()).containsKey("t/#");
        List<QueuedMessage> queue = await(b.sessions().snapshot(id, resumed.epoch())).queue();
        assertThat(queue).extracting(q -> new String(q.message().payload()))
                .containsExactly("m0", "m1", "m2", "m3", "m4");
        assertThat(queue).allMatch(q -> !q.maybeSent());

        // after the claim, new messages are routed to the new owner
        Map<String, AppendResult> after = await(a.sessions().append(msg("t/x", 9), Map.of(id, new Target(1, false, null, null)), new QueueLimits(100, true, 100), false));
        assertThat(after.get(id).owner()).isEqualTo(b.nodeId());
        assertThat(after.get(id).epoch()).isEqualTo(resumed.epoch());

        long firstSeq = queue.get(0).seq();
        await(b.sessions().ack(id, new long[]{firstSeq}));
        assertThat(b.sessions().get(id).queueSize()).isEqualTo(5);
    }

    @Test
    void cleanStart_discardsPersistentSessionAndReportsItsSubscriptions() throws Exception {
        String id = "dev-" + UUID.randomUUID();
        ClaimResult first = await(a.sessions().claim(id, req(a.nodeId(), false, FOREVER, null)));
        await(a.sessions().updateSubscriptions(id, first.epoch(), Map.of("x", SubOptions.ofQos(2)), List.of()));
        await(a.sessions().append(msg("x", 1), Map.of(id, new Target(1, false, null, null)), new QueueLimits(10, true, 100), false));
        ClaimResult clean = await(b.sessions().claim(id, req(b.nodeId(), true, 0, null)));
        assertThat(clean.sessionPresent()).isFalse();
        assertThat(clean.previousOwner()).isEqualTo(a.nodeId());
        assertThat(await(b.sessions().snapshot(id, clean.epoch())).queue()).isEmpty();
        assertThat(clean.discardedSubscriptions()).containsExactly("x");
        // a clean session ends with its connection
        assertThat(await(b.sessions().release(id, b.nodeId(), clean.epoch(), false, null, System.currentTimeMillis())).released()).isTrue();
        assertThat(b.sessions().get(id)).isNull();
    }

    @Test
    void release_byTakenOverConnection_changesNothingAndReturnsNoWill() throws Exception {
        String id = "dev-" + UUID.randomUUID();
        Message will = new Message(1, 1, "will/t", "bye".getBytes(), 1, false, id, 0, null);
        ClaimResult first = await(a.sessions().claim(id, req(a.nodeId(), true, 0, will)));
        ClaimResult second = await(b.sessions().claim(id, req(b.nodeId(), true, 0, will)));
        assertThat(second.previousOwner()).isEqualTo(a.nodeId());
        ReleaseResult stale = await(a.sessions().release(id, a.nodeId(), first.epoch(), true, null, System.currentTimeMillis()));
        assertThat(stale.released()).isFalse();
        assertThat(stale.will()).isNull();
        ReleaseResult current = await(b.sessions().release(id, b.nodeId(), second.epoch(), true, null, System.currentTimeMillis()));
        assertThat(current.released()).isTrue();
        assertThat(current.will().topic()).isEqualTo("will/t");
    }

    @Test
    void append_queueFull_dropsOldestOrNewestByPolicy() throws Exception {
        String oldest = "dev-" + UUID.randomUUID();
        String newest = "dev-" + UUID.randomUUID();
        for (String id : List.of(oldest, newest)) {
            ClaimResult c = await(a.sessions().claim(id, req(a.nodeId(), false, FOREVER, null)));
            await(a.sessions().release(id, a.nodeId(), c.epoch(), false, null, System.currentTimeMillis()));
        }
        for (int i = 0; i < 5; i++) {
            await(a.sessions().append(msg("t", i), Map.of(oldest, new Target(1, false, null, null)), new QueueLimits(3, true, 100), false));
            await(a.sessions().append(msg("t", i), Map.of(newest, new Target(1, false, null, null)), new QueueLimits(3, false, 100), false));
        }
        assertThat(a.sessions().get(oldest).queued()).extracting(q -> new String(q.message().payload()))
                .containsExactly("m2", "m3", "m4");
        assertThat(a.sessions().get(newest).queued()).extracting(q -> new String(q.message().payload()))
                .containsExactly("m0", "m1", "m2");
    }

    @Test
    void append_resentQos2Message_isQueuedOnce() throws Exception {
        String id = "dev-" + UUID.randomUUID();
        ClaimResult c = await(a.sessions().claim(id, req(a.nodeId(), false, FOREVER, null)));
        await(a.sessions().release(id, a.nodeId(), c.epoch(), false, null, System.currentTimeMillis()));
        Message m = msg("t", 1);
        AppendResult r1 = await(a.sessions().append(m, Map.of(id, new Target(2, false, null, null)), new QueueLimits(10, true, 100), false)).get(id);
        AppendResult r2 = await(b.sessions().append(m, Map.of(id, new Target(2, false, null, null)), new QueueLimits(10, true, 100), true)).get(id);
        assertThat(r2.status()).isEqualTo(AppendResult.DUPLICATE);
        assertThat(r2.seq()).isEqualTo(r1.seq());
        assertThat(a.sessions().get(id).queueSize()).isEqualTo(1);
    }

    @Test
    void concurrentClaims_fromTwoMembers_giveEveryClaimADistinctEpochAndOneFinalOwner() throws Exception {
        String id = "race-" + UUID.randomUUID();
        List<CompletableFuture<ClaimResult>> claims = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ClusterNode n = i % 2 == 0 ? a : b;
            claims.add(n.sessions().claim(id, req(n.nodeId(), false, FOREVER, null)).toCompletableFuture());
        }
        CompletableFuture.allOf(claims.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        List<Long> epochs = claims.stream().map(CompletableFuture::join).map(ClaimResult::epoch).sorted().toList();
        assertThat(epochs).doesNotHaveDuplicates().hasSize(300);
        assertThat(epochs.get(0)).isEqualTo(1);
        assertThat(epochs.get(299)).isEqualTo(300);
        assertThat(a.sessions().get(id).epoch()).isEqualTo(300);
    }

    /** A record as a migration or a promoted backup of a replica sync has it: written and read back whole. */
    @Test
    void resentQos2Ids_surviveTheRecordBeingCopied() throws Exception {
        String id = "copied-" + UUID.randomUUID();
        ClaimResult c = await(a.sessions().claim(id, req(a.nodeId(), false, FOREVER, null)));
        await(a.sessions().release(id, a.nodeId(), c.epoch(), false, null, System.currentTimeMillis()));
        Message m = new Message(7, 77, "t/x", "m".getBytes(), 2, false, "pub", 0, null);
        Target qos2 = new Target(2, false, null, null);
        QueueLimits limits = new QueueLimits(100, true, 100);
        assertThat(await(a.sessions().append(m, Map.of(id, qos2), limits, true)).get(id).status()).isEqualTo(AppendResult.APPENDED);

        com.hazelcast.map.IMap<String, SessionRecord> map = b.hazelcast().getMap(HazelcastSessionStore.MAP_NAME);
        map.put(id, map.get(id)); // a deserialised copy replaces the record

        AppendResult late = await(b.sessions().append(m, Map.of(id, qos2), limits, false)).get(id);
        assertThat(late.status()).as("the first routing, arriving late").isEqualTo(AppendResult.DUPLICATE);
        assertThat(b.sessions().get(id).queueSize()).isEqualTo(1);
    }

    @Test
    void releaseDeadOwners_releasesOnlySessionsOfNodesNotLive_onceEach() throws Exception {
        String id = "dead-" + UUID.randomUUID();
        Message will = new Message(1, 2, "will/dead", "x".getBytes(), 1, false, id, 0, null);
        await(a.sessions().claim(id, req("node-that-died", false, FOREVER, will)));
        Set<String> live = Set.of(a.nodeId(), b.nodeId());
        Map<String, ReleaseResult> first = a.sessions().releaseDeadOwners(live, System.currentTimeMillis());
        assertThat(first).containsKey(id);
        assertThat(first.get(id).will().topic()).isEqualTo("will/dead");
        assertThat(b.sessions().releaseDeadOwners(live, System.currentTimeMillis())).doesNotContainKey(id);
        SessionRecord rec = a.sessions().get(id);
        assertThat(rec.owner()).isNull();
        assertThat(rec.will()).isNull();
    }

    @Test
    void findClients_acrossTwoMembers_walksEveryPageInOrderWithTheConnectionFacts() throws Exception {
        String prefix = "page-" + UUID.randomUUID() + "-";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 57; i++) {
            String id = prefix + String.format("%03d", i);
            ids.add(id);
            ClaimRequest r = new ClaimRequest(i % 2 == 0 ? a.nodeId() : b.nodeId(), true, 3600, null, 0, 5,
                    System.currentTimeMillis(), i, "user-" + (i % 3), "127.0.0.1:" + (10_000 + i), 30);
            await(a.sessions().claim(id, r));
        }
        List<String> seen = new ArrayList<>();
        String after = null;
        do {
            List<SessionView> page = b.sessions().findClients(new ClientQuery(prefix, null, null, null, after, 10));
            assertThat(page.size()).isLessThanOrEqualTo(11);
            page.stream().limit(10).forEach(v -> seen.add(v.clientId()));
            after = page.size() > 10 ? page.get(9).clientId() : null;
        } while (after != null);
        assertThat(seen).containsExactlyElementsOf(ids);

        List<SessionView> onA = a.sessions().findClients(new ClientQuery(prefix, "user-1", a.nodeId(), ClientQuery.State.CONNECTED, null, 100));
        assertThat(onA).extracting(SessionView::clientId).containsExactly(prefix + "004", prefix + "010", prefix + "016",
                prefix + "022", prefix + "028", prefix + "034", prefix + "040", prefix + "046", prefix + "052");
        SessionView detail = await(b.sessions().describe(prefix + "004"));
        assertThat(detail.user()).isEqualTo("user-1");
        assertThat(detail.remote()).isEqualTo("127.0.0.1:10004");
        assertThat(detail.keepAliveSeconds()).isEqualTo(30);
        assertThat(detail.connectedAtMillis()).isPositive();
        assertThat(detail.protocolVersion()).isEqualTo(5);
    }

    @Test
    void delete_offlineSession_removesItAndNamesItsSubscriptions_butNotAConnectedOne() throws Exception {
        String id = "del-" + UUID.randomUUID();
        ClaimResult c = await(a.sessions().claim(id, req(a.nodeId(), true, 3600, msg("will/t", 1))));
        await(a.sessions().updateSubscriptions(id, c.epoch(), Map.of("s/#", SubOptions.ofQos(1)), List.of()));
        assertThat(await(b.sessions().delete(id)).expired()).as("connected: kept").isFalse();
        await(a.sessions().release(id, a.nodeId(), c.epoch(), false, null, System.currentTimeMillis()));
        ExpireResult r = await(b.sessions().delete(id));
        assertThat(r.expired()).isTrue();
        assertThat(r.will()).isNull();
        assertThat(r.subscriptions()).containsExactly("s/#");
        assertThat(await(a.sessions().describe(id))).isNull();
        assertThat(await(a.sessions().delete(id))).isNull();
    }
}
