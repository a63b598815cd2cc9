package io.mqttcluster.cluster.route;

import io.mqttcluster.cluster.ClusterNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Shared-group memberships on two real Hazelcast members (the processors cross the wire for half the keys). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedGroupsStoreTest {

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

    private static List<SharedGroups.Member> members(ClusterNode n, String filter) {
        SharedGroups.Group g = n.sharedGroups().group(filter);
        return g == null ? List.of() : g.members();
    }

    /**
     * Fault harness seed 796589107: a member's old connection on a node that had stood still closed after the
     * member had joined the group again on another node, and its leave removed the new membership: the member
     * stayed connected and got nothing for 90 s, and messages went to no one while the other members moved.
     */
    @Test
    void aLeaveFromTheNodeTheMemberLeft_keepsItsMembershipOnTheNodeItMovedTo() throws Exception {
        for (int i = 0; i < 20; i++) { // keys on both members
            String filter = "$share/mv/t" + i;
            String client = "m" + i;
            a.sharedGroups().join(filter, client, "node-b", 1, false).toCompletableFuture().get(10, TimeUnit.SECONDS);
            await().atMost(10, TimeUnit.SECONDS).until(() -> members(b, filter).size() == 1);

            a.sharedGroups().leave(filter, client, "node-a").toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(members(a, filter)).as("here").extracting(SharedGroups.Member::node).containsExactly("node-b");
            assertThat(b.sharedGroups().group(filter).members()).as("on the other member").hasSize(1);

            // the node it is on now removes it when it leaves there
            b.sharedGroups().leave(filter, client, "node-b").toCompletableFuture().get(10, TimeUnit.SECONDS);
            await().atMost(10, TimeUnit.SECONDS).until(() -> members(a, filter).isEmpty() && members(b, filter).isEmpty());
        }
    }

    /**
     * Fault harness seed 796589107 again: while the persistent member that was the group's only one reconnected,
     * its disconnect removed it and the group itself, and messages published in that 0.35 s went to no one.
     */
    @Test
    void aPersistentMembersConnectionEnding_leavesItOffline_aCleanOneGoes() throws Exception {
        for (int i = 0; i < 10; i++) {
            String filter = "$share/off/t" + i;
            String kept = "p" + i;
            a.sharedGroups().join(filter, kept, "node-a", 1, true).toCompletableFuture().get(10, TimeUnit.SECONDS);
            a.sharedGroups().join(filter, "q" + i, "node-a", 0, true).toCompletableFuture().get(10, TimeUnit.SECONDS);
            a.sharedGroups().join(filter, "c" + i, "node-a", 1, false).toCompletableFuture().get(10, TimeUnit.SECONDS);
            await().atMost(10, TimeUnit.SECONDS).until(() -> members(b, filter).size() == 3);

            for (String client : List.of(kept, "q" + i, "c" + i)) {
                a.sharedGroups().disconnected(filter, client, "node-a").toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            for (ClusterNode n : List.of(a, b)) {
                await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(members(n, filter))
                        .as("only the persistent QoS 1 member stays, offline")
                        .containsExactly(new SharedGroups.Member(kept, SharedGroups.OFFLINE, 1, true)));
            }
            // it can still take a stored copy; an unsubscribe ends it for good
            assertThat(b.sharedGroups().group(filter).pick("round_robin", "x", "node-b", null, true).clientId()).isEqualTo(kept);
            assertThat(b.sharedGroups().group(filter).pick("round_robin", "x", "node-b", null, false)).isNull();
        }
    }
}
