package io.mqttcluster.cluster;

import io.mqttcluster.cluster.retain.RetainedStore;
import io.mqttcluster.cluster.route.DurableSubscriptions;
import io.mqttcluster.cluster.route.RouteTable;
import io.mqttcluster.cluster.route.SharedGroups;
import io.mqttcluster.cluster.session.SessionStore;

import java.util.Set;

/**
 * What a broker node's protocol, routing and session code sees of the cluster: who this node is, who else is
 * there, and the shared state (sessions, routes, durable subscriptions, shared groups, retained messages).
 * {@link ClusterNode} is the real one, on an embedded Hazelcast member; {@link InMemoryCluster} is a cluster of
 * one without a member, for tests of that code in milliseconds.
 */
public interface ClusterView {

    /** This node's id: unique per process start, what routes and session owners name. */
    String nodeId();

    /** This node's configured name, for logs and status. */
    String nodeName();

    SessionStore sessions();

    /** The tables every node mirrors: retained messages, durable subscriptions, routes, shared groups. */
    ClusterTables tables();

    default RetainedStore retained() {
        return tables().retained();
    }

    default DurableSubscriptions durableSubscriptions() {
        return tables().durableSubscriptions();
    }

    default RouteTable routes() {
        return tables().routes();
    }

    default SharedGroups sharedGroups() {
        return tables().sharedGroups();
    }

    /** Node ids of the members currently in the cluster, this one included; empty once stopped. */
    Set<String> liveNodeIds();

    /** Node id -> node name of the members currently in the cluster, in join order (oldest first). */
    default java.util.Map<String, String> memberNames() {
        return java.util.Map.of(nodeId(), nodeName());
    }

    /**
     * Whether every member reads claims with the connection facts (and session records of format 6): false while a
     * member of the release before is in the cluster, during a rolling upgrade.
     */
    default boolean connectionFactsEverywhere() {
        return true;
    }

    /** Members this one sees, itself included; 0 once stopped. */
    int memberCount();

    /** True when this member is the oldest in the cluster: it does the once-per-cluster chores. */
    boolean isOldestMember();

    /** True while the mirrored tables are being rebuilt after a split brain healed. */
    boolean rebuildingMirrors();
}
