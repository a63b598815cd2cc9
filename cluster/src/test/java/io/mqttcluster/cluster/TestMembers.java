package io.mqttcluster.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** Real Hazelcast members of one new cluster on loopback, started side by side, for the store tests. */
public final class TestMembers {

    private TestMembers() {
    }

    /**
     * {@code names.length} members named as given (quorum 1, one backup); when this returns they form one
     * cluster and every partition has its backup replica in place.
     */
    public static List<ClusterNode> start(String... names) throws Exception {
        String cluster = "test-" + UUID.randomUUID();
        List<Integer> ports = Ports.pickFree(names.length);
        List<String> addresses = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        List<CompletableFuture<ClusterNode>> starting = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            ClusterSettings s = new ClusterSettings(cluster, UUID.randomUUID().toString(), names[i], null, "127.0.0.1", null,
                    ports.get(i), addresses, null, 1, 1, 1, 5);
            starting.add(CompletableFuture.supplyAsync(() -> ClusterNode.start(s)));
        }
        List<ClusterNode> nodes = new ArrayList<>();
        for (CompletableFuture<ClusterNode> f : starting) {
            nodes.add(f.get(60, TimeUnit.SECONDS));
        }
        await().atMost(30, TimeUnit.SECONDS).until(() -> nodes.stream().allMatch(n -> n.memberCount() == names.length));
        nodes.get(0).hazelcast().getPartitionService().getPartition("").getOwner(); // partitions are assigned on first use
        await().atMost(30, TimeUnit.SECONDS).until(() -> nodes.stream().allMatch(n -> n.hazelcast().getPartitionService().isClusterSafe()));
        return nodes;
    }

    /** Closes the members that started, last first. */
    public static void close(List<ClusterNode> nodes) {
        if (nodes == null) {
            return;
        }
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }
}
