package io.mqttcluster.cluster;

import java.util.List;

/**
 * How a node joins its cluster. Validated by the broker's configuration loader, which names the key of a
 * bad value.
 *
 * @param clusterName           Hazelcast cluster name: only members with the same name join each other
 * @param nodeId                unique id of this node process (a new one at every start): sessions name
 *                              their owner by it, so a restarted node never mistakes old sessions for its own
 * @param nodeName              a human name for logs and metrics
 * @param busAddress            {@code host:port} where this node's {@code ClusterBus} listens, or null
 * @param bindHost              address the cluster port binds to
 * @param publicHost            address other members use to reach this one (null: the bind address)
 * @param port                  the Hazelcast member port
 * @param members               static member list {@code host:port}; empty means this node alone
 * @param kubernetesServiceDns  when set, members are found by DNS lookup of this headless Service instead
 * @param quorum                members needed for the session and queue maps to accept writes (split-brain
 *                              protection); 1 disables it
 * @param backupCount           synchronous backups of every map holding acknowledged data
 * @param heartbeatSeconds      member heartbeat interval
 * @param maxNoHeartbeatSeconds a member silent this long is removed
 */
public record ClusterSettings(String clusterName, String nodeId, String nodeName, String busAddress, String bindHost, String publicHost, int port,
                              List<String> members, String kubernetesServiceDns, int quorum, int backupCount,
                              int heartbeatSeconds, int maxNoHeartbeatSeconds) {

    public ClusterSettings {
        members = members == null ? List.of() : List.copyOf(members);
    }

    /** A node alone on loopback: tests and the default single-node run. */
    public static ClusterSettings standalone(String clusterName, String nodeName, int port) {
        return new ClusterSettings(clusterName, java.util.UUID.randomUUID().toString(), nodeName, null, "127.0.0.1",
                null, port, List.of(), null, 1, 1, 1, 5);
    }
}
