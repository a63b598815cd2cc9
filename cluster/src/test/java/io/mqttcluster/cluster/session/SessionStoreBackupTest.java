package io.mqttcluster.cluster.session;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.partition.Partition;
import io.mqttcluster.cluster.ClusterNode;
import io.mqttcluster.cluster.TestMembers;
import io.mqttcluster.cluster.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A store write is answered only once its backup replica has it: an answer is what the broker acts on (it
 * acknowledges the publisher, tells a connection the sequence number), and a primary that dies right after
 * answering must not take the write with it. Two real members; the backup replica of one partition is held
 * up by a test processor whose backup half waits on a latch (so every later backup of that partition waits
 * behind it, as when the backup member is slow or its link drops packets).
 *
 * <p>Found by the fault harness (seed 20261206): a batch that queued one message for two persistent sessions
 * of the same partition was answered before the backup had it; the owner was killed a millisecond after the
 * subscriber got the message, and the promoted backup gave its sequence number to the next message.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionStoreBackupTest {

    private static final long FOREVER = Long.MAX_VALUE;
    /** Clearly shorter than the backup timeout (two seconds), after which a held-up write fails as indeterminate. */
    private static final long NOT_BEFORE_MILLIS = 500;

    private static List<ClusterNode> nodes;
    private static ClusterNode a;

    @BeforeAll
    static void start() throws Exception {
        nodes = TestMembers.start("a", "b");
        a = nodes.get(0);
    }

    @AfterAll
    static void stop() {
        TestMembers.close(nodes);
    }

    @Test
    void appendForTwoSessionsOfOnePartition_isAnsweredOnlyOnceTheBackupHasIt() throws Exception {
        List<String> ids = keysOfOnePartitionOwnedBy(a, 3);
        String s1 = ids.get(0);
        String s2 = ids.get(1);
        for (String id : List.of(s1, s2)) {
            ClaimResult c = a.sessions().claim(id, new ClaimRequest(a.nodeId(), false, FOREVER, null, 0, 4,
                    System.currentTimeMillis(), 1)).toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertThat(c.epoch()).isPositive();
        }
        Message m = new Message(7, 1, "t/x", "m1".getBytes(), 2, false, "pub", 0, null);
        Target qos2 = new Target(2, false, null, null);

        CompletableFuture<?> hold = holdBackups(ids.get(2));
        CompletableFuture<List<Map<String, AppendResult>>> append = a.sessions()
                .appendBatch(List.of(m), List.of(Map.of(s1, qos2, s2, qos2)), new QueueLimits(100, true, 100), new boolean[]{false})
                .toCompletableFuture();
        try {
            assertThatThrownBy(() -> append.get(NOT_BEFORE_MILLIS, TimeUnit.MILLISECONDS))
                    .as("answered while the backup replica did not have it")
                    .isInstanceOf(TimeoutException.class);
        } finally {
            HoldBackups.release.countDown();
        }
        Map<String, AppendResult> r = append.get(20, TimeUnit.SECONDS).get(0);
        assertThat(r.get(s1).status()).isEqualTo(AppendResult.APPENDED);
        assertThat(r.get(s2).status()).isEqualTo(AppendResult.APPENDED);
        hold.get(20, TimeUnit.SECONDS);
    }

    @Test
    void appendForOneSession_isAnsweredOnlyOnceTheBackupHasIt() throws Exception {
        List<String> ids = keysOfOnePartitionOwnedBy(a, 2);
        String s1 = ids.get(0);
        a.sessions().claim(s1, new ClaimRequest(a.nodeId(), false, FOREVER, null, 0, 4, System.currentTimeMillis(), 2))
                .toCompletableFuture().get(20, TimeUnit.SECONDS);
        Message m = new Message(7, 2, "t/x", "m2".getBytes(), 1, false, "pub", 0, null);

        CompletableFuture<?> hold = holdBackups(ids.get(1));
        CompletableFuture<Map<String, AppendResult>> append = a.sessions()
                .append(m, Map.of(s1, new Target(1, false, null, null)), new QueueLimits(100, true, 100), false)
                .toCompletableFuture();
        try {
            assertThatThrownBy(() -> append.get(NOT_BEFORE_MILLIS, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        } finally {
            HoldBackups.release.countDown();
        }
        assertThat(append.get(20, TimeUnit.SECONDS).get(s1).status()).isEqualTo(AppendResult.APPENDED);
        hold.get(20, TimeUnit.SECONDS);
    }

    /** {@code n} fresh client ids of one partition whose primary replica is on {@code owner}. */
    private static List<String> keysOfOnePartitionOwnedBy(ClusterNode owner, int n) {
        var partitions = owner.hazelcast().getPartitionService();
        Integer partition = null;
        List<String> out = new ArrayList<>(n);
        String base = "bk-" + UUID.randomUUID() + "-";
        for (int i = 0; out.size() < n; i++) {
            String key = base + i;
            Partition p = partitions.getPartition(key);
            if (partition == null && p.getOwner() != null && p.getOwner().localMember()) {
                partition = p.getPartitionId();
            }
            if (partition != null && p.getPartitionId() == partition) {
                out.add(key);
            }
        }
        return out;
    }

    /** Holds up the backups of the partition of {@code key} until {@link HoldBackups#release}; returns once they wait. */
    private static CompletableFuture<?> holdBackups(String key) throws Exception {
        HoldBackups.started = new CountDownLatch(1);
        HoldBackups.release = new CountDownLatch(1);
        CompletableFuture<?> hold = a.hazelcast().<String, SessionRecord>getMap(HazelcastSessionStore.MAP_NAME)
                .submitToKey(key, new HoldBackups()).toCompletableFuture();
        assertThat(HoldBackups.started.await(20, TimeUnit.SECONDS)).as("the backup replica is held").isTrue();
        return hold;
    }

    /** Nothing on the primary; its backup half waits for the latch on the backup member's partition thread. */
    static final class HoldBackups implements EntryProcessor<String, SessionRecord, Object>, Serializable {
        static volatile CountDownLatch started;
        static volatile CountDownLatch release;

        @Override
        public Object process(Map.Entry<String, SessionRecord> entry) {
            return null;
        }

        @Override
        public EntryProcessor<String, SessionRecord, Object> getBackupProcessor() {
            return new Wait();
        }

        static final class Wait implements EntryProcessor<String, SessionRecord, Object>, Serializable {
            @Override
            public Object process(Map.Entry<String, SessionRecord> entry) {
                started.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }
        }
    }
}
