package io.mqttcluster.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import io.mqttcluster.cluster.retain.RetainedStore;
import io.mqttcluster.cluster.route.DurableSubscriptions;
import io.mqttcluster.cluster.route.RouteTable;
import io.mqttcluster.cluster.route.SharedGroups;
import io.mqttcluster.cluster.session.HazelcastSessionStore;
import io.mqttcluster.cluster.session.SessionStore;
import io.mqttcluster.cluster.table.HazelcastSharedMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node's embedded Hazelcast member and the cluster state built on it: sessions and their queues,
 * retained messages, persistent-session subscriptions. One per broker node; what the broker's packages below
 * the process wiring see of it is its {@link ClusterView}.
 *
 * <p>Starting and stopping block (joining takes seconds): call them where blocking is allowed.
 */
public final class ClusterNode implements ClusterView, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    public static final String ATTR_NAME = "mqtt.name";
    public static final String ATTR_NODE_ID = "mqtt.node";
    public static final String ATTR_BUS = "mqtt.bus";
    /** Stored formats this member reads beyond those of the first release, comma-separated. */
    public static final String ATTR_FORMATS = "mqtt.formats";
    /** Claims with connection facts, session records of format 6 (the admin API). */
    public static final String FORMAT_CONNECTION_FACTS = "connection-facts";
    public static final String QUORUM_NAME = "mqtt-quorum";
    public static final String QUORUM_WRITES_NAME = "mqtt-quorum-writes";

    private final HazelcastInstance hazelcast;
    private final ClusterSettings settings;
    private final String nodeId;
    private final SessionStore sessions;
    private final ClusterTables tables;
    private final List<Consumer<MembershipEvent>> membershipListeners = new CopyOnWriteArrayList<>();
    private volatile boolean rebuilding;
    private volatile boolean connectionFacts;
    private final List<Runnable> afterMerge = new CopyOnWriteArrayList<>();

    private ClusterNode(HazelcastInstance hazelcast, ClusterSettings settings) {
        this.hazelcast = hazelcast;
        this.settings = settings;
        this.nodeId = settings.nodeId();
        this.sessions = new HazelcastSessionStore(hazelcast.getMap(HazelcastSessionStore.MAP_NAME));
        this.tables = ClusterTables.on(new ClusterTables.Maps() {
            @Override
            public <V> HazelcastSharedMap<V> map(String name) {
                return new HazelcastSharedMap<>(hazelcast.getMap(name));
            }
        });
    }

    /** Starts the member, joins the cluster and loads the mirrors. Blocking. */
    public static ClusterNode start(ClusterSettings settings) {
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(config(settings));
        ClusterNode node = new ClusterNode(hz, settings);
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                node.checkFormats();
                node.membershipListeners.forEach(l -> l.accept(event));
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                node.checkFormats();
                node.membershipListeners.forEach(l -> l.accept(event));
            }
        });
        node.checkFormats();
        node.tables.start();
        hz.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGING) {
                node.rebuilding = true; // not ready from here until the mirrors are rebuilt
            } else if (event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGE_FAILED) {
                node.rebuilding = false;
            } else if (event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED) {
                node.rebuilding = true;
                // a split brain healed and this member merged into the larger side: what changed there
                // meanwhile never reached the mirrors' listeners
                Thread rebuild = new Thread(node::rebuildMirrors, "mirror-rebuild");
                rebuild.setDaemon(true);
                rebuild.start();
            }
        });
        log.info("event=cluster_joined node={} node_id={} members={}", settings.nodeName(), node.nodeId,
                hz.getCluster().getMembers().size());
        return node;
    }

    static Config config(ClusterSettings s) {
        Config c = new Config();
        c.setClusterName(s.clusterName());
        c.setInstanceName("mqtt-" + s.nodeName() + "-" + Long.toHexString(System.nanoTime()));
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(s.heartbeatSeconds()));
        c.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(s.maxNoHeartbeatSeconds()));
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        c.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        c.setProperty("hazelcast.local.localAddress", s.bindHost());
        // A member whose process stands still (SIGSTOP, a frozen VM) still accepts TCP connections in its kernel, so a
        // peer's new connection to it never finishes its handshake. Hazelcast's output thread for that connection then
        // spins on the packets it cannot encode and never selects again, and a healthy member's connection that shares
        // the thread stops sending heartbeats: with the 3 default threads, the two healthy members of a 3-node cluster
        // lost their quorum 4 s after the third stopped, in 4 of 6 runs, and split in 3. With a thread per
        // connection (and the balancer moving a busy pipeline within seconds) the spinning one is alone.
        int ioThreads = Math.max(8, 2 * s.members().size() + 2);
        c.setProperty("hazelcast.io.thread.count", String.valueOf(ioThreads));
        c.setProperty("hazelcast.io.balancer.interval.seconds", "2");
        ClusterSerialization.register(c);

        // What the open-source member can do against strangers on the network (it has no member authentication):
        // listen on the cluster address only, not on every interface (hazelcast.socket.bind.any is true by default),
        // and speak only the member protocol on its port: no endpoint for Hazelcast clients (which would need
        // nothing but the cluster name to read and write every map), none for REST or memcache. A member that
        // knows the cluster name can still join: the broker derives that name from the cluster secret when there
        // is one (docs/cluster.md, "Node-to-node security").
        if (!isWildcard(s.bindHost())) {
            c.setProperty("hazelcast.socket.bind.any", "false");
        }
        AdvancedNetworkConfig net = c.getAdvancedNetworkConfig().setEnabled(true);
        ServerSocketEndpointConfig member = new ServerSocketEndpointConfig();
        member.setPort(s.port()).setPortAutoIncrement(false);
        if (s.publicHost() != null && !s.publicHost().isBlank()) {
            member.setPublicAddress(s.publicHost() + ":" + s.port());
        }
        net.setMemberEndpointConfig(member);
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (s.kubernetesServiceDns() != null && !s.kubernetesServiceDns().isBlank()) {
            join.getKubernetesConfig().setEnabled(true)
                    .setProperty("service-dns", s.kubernetesServiceDns())
                    .setProperty("service-port", String.valueOf(s.port()));
        } else {
            join.getTcpIpConfig().setEnabled(true)
                    .setMembers(s.members().isEmpty() ? List.of(s.bindHost() + ":" + s.port()) : s.members());
        }
        c.getMemberAttributeConfig().setAttribute(ATTR_NAME, s.nodeName());
        c.getMemberAttributeConfig().setAttribute(ATTR_NODE_ID, s.nodeId());
        c.getMemberAttributeConfig().setAttribute(ATTR_FORMATS, FORMAT_CONNECTION_FACTS);
        if (s.busAddress() != null) {
            c.getMemberAttributeConfig().setAttribute(ATTR_BUS, s.busAddress());
        }

        if (s.quorum() > 1) {
            // A member counts while it was heard from recently (a few heartbeats), so a node cut off notices
            // it lost the quorum in seconds, not only when the others are removed after max-no-heartbeat.
            int tolerance = (int) Math.max(2_000, 3_000L * s.heartbeatSeconds());
            c.addSplitBrainProtectionConfig(SplitBrainProtectionConfig
                    .newRecentlyActiveSplitBrainProtectionConfigBuilder(QUORUM_NAME, s.quorum(), tolerance)
                    .enabled(true).build().setProtectOn(SplitBrainProtectionOn.READ_WRITE));
            // the mirrored tables are read whole when a node starts (before the others joined): writes only
            c.addSplitBrainProtectionConfig(SplitBrainProtectionConfig
                    .newRecentlyActiveSplitBrainProtectionConfigBuilder(QUORUM_WRITES_NAME, s.quorum(), tolerance)
                    .enabled(true).build().setProtectOn(SplitBrainProtectionOn.WRITE));
        }
        // A write whose synchronous backup did not answer fails instead of succeeding after the backup
        // timeout: on the side of a cut that loses, the publisher gets no acknowledgement and sends again.
        c.setProperty("hazelcast.operation.fail.on.indeterminate.state", "true");
        // how long a write waits for its backup before it is indeterminate: the writers try again (with their
        // duplicate checks), so a dead backup costs two seconds, not the default five
        c.setProperty("hazelcast.operation.backup.timeout.millis", "2000");
        // Two members that cannot reach each other while both reach the others (a partial partition) stay in
        // the cluster by default, and writes between them hang; the master removes one of them after a few
        // heartbeats in which it was reported unreachable. An operation that still hangs fails after 15 s.
        c.setProperty("hazelcast.partial.member.disconnection.resolution.heartbeat.count", "3");
        c.setProperty("hazelcast.operation.call.timeout.millis", "15000");
        // Sessions and queues: changed in place by entry processors, so kept as objects. After a split the
        // copy that changed more often wins (SessionMergePolicy): the side without quorum could not change
        // anything, and its copy is stale (joining it would bring back messages the majority delivered), also
        // when it is the side the others merge into (a member paused past its heartbeat timeout).
        MapConfig sessions = new MapConfig(HazelcastSessionStore.MAP_NAME)
                .setBackupCount(s.backupCount()).setAsyncBackupCount(0)
                .setInMemoryFormat(InMemoryFormat.OBJECT)
                .setMergePolicyConfig(new MergePolicyConfig(io.mqttcluster.cluster.session.SessionMergePolicy.class.getName(), 100));
        c.addMapConfig(protect(sessions, s, QUORUM_NAME));
        c.addMapConfig(protect(new MapConfig(RetainedStore.MAP_NAME).setBackupCount(s.backupCount()).setAsyncBackupCount(0)
                .setInMemoryFormat(InMemoryFormat.BINARY)
                .setMergePolicyConfig(new MergePolicyConfig(io.mqttcluster.cluster.retain.RetainedMergePolicy.class.getName(), 100)), s,
                QUORUM_WRITES_NAME));
        for (String name : List.of(DurableSubscriptions.MAP_NAME, RouteTable.MAP_NAME, SharedGroups.MAP_NAME)) {
            c.addMapConfig(protect(new MapConfig(name).setBackupCount(s.backupCount()).setAsyncBackupCount(0)
                    .setInMemoryFormat(InMemoryFormat.BINARY)
                    .setMergePolicyConfig(new MergePolicyConfig(PutIfAbsentMergePolicy.class.getName(), 100)), s, QUORUM_WRITES_NAME));
        }
        return c;
    }

    private static boolean isWildcard(String host) {
        return host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static MapConfig protect(MapConfig map, ClusterSettings s, String protection) {
        if (s.quorum() > 1) {
            map.setSplitBrainProtectionName(protection);
        }
        return map;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    /**
     * Rebuilds every mirrored table from the merged maps (after a split brain healed), each off to the side
     * and swapped in; routes and members of nodes that are not live are left out again. While it runs,
     * {@link #rebuildingMirrors()} is true (the node reports not ready). Blocking.
     */
    public void rebuildMirrors() {
        rebuilding = true;
        try {
            log.info("event=mirror_rebuild_started node={} members={}", settings.nodeName(), memberCount());
            tables.rebuild();
            Set<String> live = liveNodeIds();
            for (String node : routes().nodes()) {
                if (!live.contains(node)) {
                    routes().forgetNode(node);
                }
            }
            sharedGroups().forgetNodesNotIn(live);
            log.info("event=cluster_merged node={} members={} mirrors=rebuilt", settings.nodeName(), memberCount());
            afterMerge.forEach(Runnable::run);
        } catch (RuntimeException e) {
            log.warn("event=mirror_rebuild_failed node={} error={}", settings.nodeName(), e.toString());
        } finally {
            rebuilding = false;
        }
    }

    /** Runs (on a background thread, blocking allowed) after a split brain healed and the mirrors are rebuilt. */
    public void onMerged(Runnable task) {
        afterMerge.add(task);
    }

    /** True while the mirrors are being rebuilt after a merge. */
    @Override
    public boolean rebuildingMirrors() {
        return rebuilding;
    }

    @Override
    public String nodeName() {
        return settings.nodeName();
    }

    public ClusterSettings settings() {
        return settings;
    }

    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    @Override
    public SessionStore sessions() {
        return sessions;
    }

    @Override
    public ClusterTables tables() {
        return tables;
    }

    /** Node ids of the members currently in the cluster, this one included. */
    @Override
    public Set<String> liveNodeIds() {
        Set<String> ids = new HashSet<>();
        if (!hazelcast.getLifecycleService().isRunning()) {
            return ids;
        }
        for (Member m : hazelcast.getCluster().getMembers()) {
            String id = m.getAttribute(ATTR_NODE_ID);
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Override
    public java.util.Map<String, String> memberNames() {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        if (!hazelcast.getLifecycleService().isRunning()) {
            return out;
        }
        for (Member m : hazelcast.getCluster().getMembers()) {
            String id = m.getAttribute(ATTR_NODE_ID);
            if (id != null) {
                out.put(id, m.getAttribute(ATTR_NAME));
            }
        }
        return out;
    }

    /** Recomputed on every membership change, so a CONNECT reads one volatile field. */
    private void checkFormats() {
        boolean all = true;
        for (Member m : hazelcast.getCluster().getMembers()) {
            String formats = m.getAttribute(ATTR_FORMATS);
            all &= formats != null && java.util.Arrays.asList(formats.split(",")).contains(FORMAT_CONNECTION_FACTS);
        }
        connectionFacts = all;
    }

    @Override
    public boolean connectionFactsEverywhere() {
        return connectionFacts;
    }

    /** The broker node id of a member. */
    public static String nodeIdOf(Member m) {
        return m.getAttribute(ATTR_NODE_ID);
    }

    /** The members other than this one. */
    public java.util.List<Member> otherMembers() {
        java.util.List<Member> out = new java.util.ArrayList<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            if (!m.localMember()) {
                out.add(m);
            }
        }
        return out;
    }

    /** Members this one sees, itself included; 0 once the member has stopped. */
    @Override
    public int memberCount() {
        try {
            return hazelcast.getCluster().getMembers().size();
        } catch (RuntimeException notActive) {
            return 0;
        }
    }

    /** True when this member is the oldest in the cluster: it does the once-per-cluster chores. */
    @Override
    public boolean isOldestMember() {
        try {
            return hazelcast.getCluster().getMembers().iterator().next().localMember();
        } catch (RuntimeException notActive) {
            return false;
        }
    }

    /** Called on a Hazelcast thread when a member joins or leaves. */
    public void onMembershipChange(Consumer<MembershipEvent> listener) {
        membershipListeners.add(listener);
    }

    /** Stops this member. Blocking. */
    @Override
    public void close() {
        tables.stop();
        hazelcast.shutdown();
    }

    /** For tests: the raw maps. */
    public <V> com.hazelcast.map.IMap<String, V> map(String name) {
        return hazelcast.getMap(name);
    }


}
