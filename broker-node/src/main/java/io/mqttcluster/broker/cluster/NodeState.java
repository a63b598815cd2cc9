package io.mqttcluster.broker.cluster;

import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.cluster.ClusterView;

/**
 * Whether this node may take clients and acknowledge writes: started, not draining, in the majority of the
 * cluster, and not just back from a pause. One per node; thread-safe.
 */
public final class NodeState {

    private final BrokerConfig config;
    private final ClusterView cluster;
    private volatile boolean ready;
    private volatile boolean draining;
    /** System.nanoTime() until which this node treats itself as cut off after its process stood still; 0: none. */
    private volatile long fencedUntilNanos;
    /** When the pause watch last ran (System.nanoTime()), 0 while there is none; and how long a gap is a pause. */
    private volatile long lastWatchTickNanos;
    private volatile long pauseThresholdNanos = Long.MAX_VALUE;

    public NodeState(BrokerConfig config, ClusterView cluster) {
        this.config = config;
        this.cluster = cluster;
    }

    /** Whether the cluster has the members it needs to accept writes (split-brain protection). */
    public boolean hasQuorum() {
        return !fenced() && cluster.memberCount() >= config.quorum();
    }

    /**
     * After this node's process stood still (SIGSTOP, a long GC, a frozen VM) long enough for the others to remove
     * it, its member list is stale and Hazelcast's recently-active check is reset, so both still show a quorum it no
     * longer has. For {@code millis} it acts as the minority: no quorum, no new clients, no acknowledgements.
     */
    public void fence(long millis) {
        fencedUntilNanos = Math.max(1, System.nanoTime() + millis * 1_000_000L);
    }

    /**
     * Also true between the end of a pause and the moment the pause watch notices it: every thread resumes at
     * once, and a store response that arrived during the pause must not lead to an acknowledgement first.
     */
    public boolean fenced() {
        long now = System.nanoTime();
        long until = fencedUntilNanos;
        if (until != 0 && now - until < 0) {
            return true;
        }
        long tick = lastWatchTickNanos;
        return tick != 0 && now - tick > pauseThresholdNanos;
    }

    /** The pause watch ran at {@code nanos}; a gap over {@code thresholdMillis} since the last run is a pause. */
    public void pauseWatchTick(long nanos, long thresholdMillis) {
        pauseThresholdNanos = thresholdMillis * 1_000_000L;
        lastWatchTickNanos = nanos;
    }

    public void ready(boolean value) {
        ready = value;
    }

    /** Stop taking new clients (shutdown, preStop): readiness turns false, CONNECT gets 0x03. */
    public void drain() {
        draining = true;
    }

    /** Takes new clients again after a drain (POST /admin/undrain). */
    public void undrain() {
        draining = false;
    }

    public boolean draining() {
        return draining;
    }

    /** Whether new connections are accepted: started, not draining, and the cluster has its quorum. */
    public boolean acceptingConnections() {
        return ready && !draining && cluster.memberCount() >= config.quorum() && !cluster.rebuildingMirrors() && !fenced();
    }

    public String notAcceptingReason() {
        if (!ready) {
            return "starting";
        }
        if (draining) {
            return "draining";
        }
        if (cluster.rebuildingMirrors()) {
            return "rebuilding the subscription tables after a split brain healed";
        }
        if (fenced()) {
            return "this node's process stood still; waiting until the cluster's membership is settled";
        }
        return "cluster has " + cluster.memberCount() + " members, quorum is " + config.quorum();
    }
}
