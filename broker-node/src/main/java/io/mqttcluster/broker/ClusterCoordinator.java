package io.mqttcluster.broker;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import io.mqttcluster.cluster.ClusterNode;
import io.mqttcluster.cluster.session.ReleaseResult;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What this node does when nodes join and leave.
 *
 * <p>Every node: connects its bus to a node that joins; when a node leaves, closes the link and forgets
 * that node's routes and shared-subscription members in its own mirrors at once (so nothing more is
 * forwarded to it).
 *
 * <p>Exactly one node, the oldest member, cleans up after a node that left: it releases the sessions
 * the dead node owned as abnormal ends (their wills are published here; their persistent sessions go
 * offline and keep receiving messages in their queues, because QoS 1/2 copies are queued by whichever node
 * takes a publish in, not by the node holding the subscriber), and deletes the dead node's routes and
 * members from the cluster tables. The release is an entry processor per session, so if two nodes ever
 * sweep at once (the oldest changed meanwhile), each will is still published once. The sweep also runs
 * every 30 s, to catch what a sweep interrupted by another departure left.
 */
public final class ClusterCoordinator {

    private static final Logger log = LoggerFactory.getLogger(ClusterCoordinator.class);
    private static final long SWEEP_PERIOD_MS = 30_000;

    private final Broker broker;
    private final ClusterNode cluster;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final io.mqttcluster.broker.session.SessionReconciler reconciler;
    private int ticks;
    private volatile boolean stopped;
    private long timer = -1;

    public ClusterCoordinator(Broker broker, ClusterNode cluster) {
        this.broker = broker;
        this.cluster = cluster;
        this.reconciler = new io.mqttcluster.broker.session.SessionReconciler(cluster, broker.sessions(),
                broker.subscriptions(), broker.systemContext());
    }

    public void start() {
        startPauseWatch();
        cluster.onMembershipChange(this::onMembership);
        for (Member m : cluster.otherMembers()) {
            connect(m);
        }
        timer = broker.vertx().setPeriodic(SWEEP_PERIOD_MS, t -> {
            if (cluster.isOldestMember()) {
                sweep("periodic");
            }
            reconcile(++ticks % 10 == 0 && cluster.isOldestMember());
        });
        cluster.onMerged(() -> {
            // what the minority could not record, and what came back with it, is repaired once the tables are
            // rebuilt; the subscription entries need a second pass a little later (see SessionReconciler)
            reconcile(cluster.isOldestMember());
            broker.vertx().setTimer(60_000, t -> reconcile(cluster.isOldestMember()));
        });
        if (cluster.isOldestMember() && cluster.memberCount() >= 1) {
            sweep("startup"); // sessions left by nodes that died while no node was running the sweep
        }
    }

    /**
     * A thread that only measures how long it slept: when the whole process stood still for about as long as the
     * others wait for a heartbeat, they have removed this node (and taken over its clients) while it still
     * believes it is a member. It then fences itself for a heartbeat timeout and two intervals, long enough for
     * its member list to catch up (see {@link io.mqttcluster.broker.cluster.NodeState#fence}), and closes its connections like a minority.
     */
    private void startPauseWatch() {
        long threshold = Math.max(1000, (broker.config().maxNoHeartbeatSeconds() - broker.config().heartbeatSeconds()) * 1000L);
        long fence = (broker.config().maxNoHeartbeatSeconds() + 2L * broker.config().heartbeatSeconds()) * 1000L;
        broker.state().pauseWatchTick(System.nanoTime(), threshold);
        Thread watch = new Thread(() -> {
            long last = System.nanoTime();
            while (!stopped) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                long stoodStill = (now - last) / 1_000_000L - 200;
                last = now;
                if (stoodStill >= threshold && !stopped) {
                    broker.state().fence(fence); // before the tick: no moment in which the gap is forgotten unfenced
                    broker.metrics().paused();
                    log.warn("event=node_paused node={} paused_ms={} fenced_ms={}", cluster.nodeName(), stoodStill, fence);
                    broker.systemContext().runOnContext(v -> dropClients());
                }
                broker.state().pauseWatchTick(now, threshold);
            }
        }, "pause-watch");
        watch.setDaemon(true);
        watch.start();
    }

    public void stop() {
        stopped = true;
        if (timer >= 0) {
            broker.vertx().cancelTimer(timer);
        }
    }

    private void connect(Member m) {
        String node = ClusterNode.nodeIdOf(m);
        String bus = m.getAttribute(ClusterNode.ATTR_BUS);
        if (node == null || bus == null || broker.link().bus() == null) {
            return;
        }
        int colon = bus.lastIndexOf(':');
        broker.link().bus().addPeer(node, bus.substring(0, colon), Integer.parseInt(bus.substring(colon + 1)));
    }

    private void onMembership(MembershipEvent event) {
        if (stopped) {
            return;
        }
        Member m = event.getMember();
        String node = ClusterNode.nodeIdOf(m);
        String name = m.getAttribute(ClusterNode.ATTR_NAME);
        if (event.getEventType() == MembershipEvent.MEMBER_ADDED) {
            log.info("event=member_joined node={} node_id={} members={}", name, node, cluster.memberCount());
            connect(m);
            return;
        }
        log.info("event=member_left node={} node_id={} members={}", name, node, cluster.memberCount());
        if (node != null) {
            if (broker.link().bus() != null) {
                broker.link().bus().removePeer(node);
            }
            cluster.routes().forgetNode(node);
            cluster.sharedGroups().forgetNode(node);
        }
        if (!broker.state().hasQuorum()) {
            dropClients();
            return; // a node without its quorum must not sweep: it is the side that lost
        }
        if (cluster.isOldestMember()) {
            sweep("member_left");
        }
    }

    /**
     * This node is on the minority side of a split: the majority takes over its clients' sessions (and
     * publishes their wills), so it closes every connection; clients reconnect, through the gateway, to a
     * node of the majority. New connections are refused until the quorum is back.
     */
    private void dropClients() {
        int n = broker.sessions().connectedCount();
        log.warn("event=quorum_lost node={} members={} quorum={} closing_connections={}", cluster.nodeName(),
                cluster.memberCount(), broker.config().quorum(), n);
        for (io.mqttcluster.broker.protocol.ClientProtocol ch : broker.sessions().channels()) {
            ch.context().execute(() -> ch.close(io.mqttcluster.broker.protocol.CloseReason.QUORUM_LOST));
        }
    }

    /** Releases this node's orphaned sessions and, on the oldest member, stale subscription entries. On a worker. */
    private void reconcile(boolean subscriptions) {
        if (stopped || !broker.state().hasQuorum()) {
            return;
        }
        broker.vertx().executeBlocking(() -> {
            reconciler.releaseOrphans();
            if (subscriptions) {
                reconciler.reconcileDurable();
            }
            return null;
        }, false).onFailure(err -> log.warn("event=reconcile_failed error={}", err.toString()));
    }

    /**
     * Releases sessions of dead nodes, publishes their wills, purges their routes. Runs on a worker.
     *
     * <p>Only with a quorum, and each step only while the member list is still the one the live set was taken
     * from: a node alone (cut off, or fenced after a pause) sees every other node as dead, and Hazelcast retries
     * an operation that a membership change interrupted, so a sweep begun alone would otherwise run after the node
     * merged back, and release the sessions and purge the routes of nodes that are alive (seed 106 of the fault
     * harness: 14 live sessions released and every route of the other two nodes purged for half a second).
     */
    public Future<Integer> sweep(String why) {
        if (stopped || !broker.state().hasQuorum() || !sweeping.compareAndSet(false, true)) {
            return Future.succeededFuture(0);
        }
        return broker.vertx().executeBlocking(() -> {
                    Set<String> live = cluster.liveNodeIds();
                    java.util.function.BooleanSupplier unchanged = () -> broker.state().hasQuorum() && live.equals(cluster.liveNodeIds());
                    Map<String, ReleaseResult> released = Map.of();
                    if (unchanged.getAsBoolean()) {
                        released = cluster.sessions().releaseDeadOwners(live, System.currentTimeMillis());
                    }
                    if (unchanged.getAsBoolean()) {
                        cluster.routes().purgeDeadNodes(live);
                    }
                    if (unchanged.getAsBoolean()) {
                        cluster.sharedGroups().purgeDeadNodes(live);
                    }
                    return released;
                }, false)
                .compose(released -> {
                    int wills = 0;
                    int shared = 0;
                    for (ReleaseResult r : released.values()) {
                        if (r == null) {
                            continue;
                        }
                        wills += r.will() != null ? 1 : 0;
                        shared += r.sharedCopies().size();
                        broker.sessions().afterRelease(r, broker.systemContext());
                    }
                    if (!released.isEmpty()) {
                        log.info("event=dead_sessions_released reason={} sessions={} wills={} shared_redispatched={}", why,
                                released.size(), wills, shared);
                    }
                    return Future.succeededFuture(released.size());
                })
                .onFailure(err -> log.warn("event=sweep_failed reason={} error={}", why, err.toString()))
                .onComplete(ar -> sweeping.set(false));
    }
}
