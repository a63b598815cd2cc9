package io.mqttcluster.cluster;

import io.mqttcluster.cluster.session.InMemorySessionStore;
import io.mqttcluster.cluster.session.SessionStore;
import io.mqttcluster.cluster.table.InMemorySharedMap;
import io.mqttcluster.cluster.table.SharedMap;

import java.util.Set;

/**
 * A cluster of one node without Hazelcast: the same tables and session rules as {@link ClusterNode}, each on a
 * local map ({@link InMemorySharedMap}, {@link InMemorySessionStore}). For tests of the protocol, routing and
 * session code; starting one takes microseconds, and every store call completes before it returns.
 */
public final class InMemoryCluster implements ClusterView {

    private final String nodeId;
    private final String nodeName;
    private final SessionStore sessions = new InMemorySessionStore();
    private final ClusterTables tables = ClusterTables.on(InMemoryCluster::newMap);

    private InMemoryCluster(String nodeId, String nodeName) {
        this.nodeId = nodeId;
        this.nodeName = nodeName;
    }

    /** A started cluster of one. */
    public static InMemoryCluster start(String nodeName) {
        InMemoryCluster c = new InMemoryCluster(nodeName + "-" + java.util.UUID.randomUUID(), nodeName);
        c.tables.start();
        return c;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public SessionStore sessions() {
        return sessions;
    }

    @Override
    public ClusterTables tables() {
        return tables;
    }

    private static <V> SharedMap<V> newMap(String name) {
        return new InMemorySharedMap<>();
    }

    @Override
    public Set<String> liveNodeIds() {
        return Set.of(nodeId);
    }

    @Override
    public int memberCount() {
        return 1;
    }

    @Override
    public boolean isOldestMember() {
        return true;
    }

    @Override
    public boolean rebuildingMirrors() {
        return false;
    }
}
