package io.mqttcluster.gateway.backend;

import io.mqttcluster.gateway.config.NodeAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One broker node as the gateway sees it: address, health state, and the client connections
 * spliced to it.
 *
 * <p>Threads: the state, the retired flag and the health tracker are written only by the control
 * event loop (the node monitor) and read anywhere (volatile). The connection set and counters are
 * updated by the client connections' event loops (concurrent collections, atomics).
 */
public final class BackendNode {
    private final NodeAddress address;
    private final HealthTracker tracker;
    private final Set<NodeConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile NodeState state = NodeState.DOWN;
    private volatile boolean retired;

    public BackendNode(NodeAddress address, int rise, int fall) {
        this.address = address;
        this.tracker = new HealthTracker(rise, fall);
    }

    public NodeAddress address() {
        return address;
    }

    public String key() {
        return address.key();
    }

    public NodeState state() {
        return state;
    }

    /** True when new clients may be sent here: UP and still listed. */
    public boolean acceptsNewClients() {
        return state == NodeState.UP && !retired;
    }

    /** True when existing clients should be moved away gradually. */
    public boolean draining() {
        return retired || state == NodeState.DRAINING;
    }

    /** No longer listed by discovery: drained, then forgotten once empty. */
    public boolean retired() {
        return retired;
    }

    /** Spliced connections now. */
    public int connectionCount() {
        return connections.size();
    }

    /** Spliced plus being connected: the load used for empty client ids. */
    public int load() {
        return connections.size() + pending.get();
    }

    public Set<NodeConnection> connections() {
        return connections;
    }

    /** Called by a connection's event loop when it starts connecting to this node. */
    public void connecting() {
        pending.incrementAndGet();
    }

    /** Called by a connection's event loop when a connect attempt ends, either way. */
    public void connectEnded() {
        pending.decrementAndGet();
    }

    // control event loop only
    HealthTracker tracker() {
        return tracker;
    }

    void setState(NodeState state) {
        this.state = state;
    }

    void setRetired(boolean retired) {
        this.retired = retired;
    }

    @Override
    public String toString() {
        return address.key() + "(" + state.label() + (retired ? ",retired" : "") + ")";
    }
}
