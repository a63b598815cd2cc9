package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.backend.BackendNode;
import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.backend.NodeConnection;
import io.mqttcluster.gateway.backend.NodeListener;
import io.mqttcluster.gateway.backend.NodeState;
import io.mqttcluster.gateway.backend.NodeTable;
import io.mqttcluster.gateway.config.GatewayOptions;
import io.mqttcluster.gateway.hash.RendezvousHash;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves clients between nodes by closing their connections, so that they reconnect through the
 * gateway and land on their (new) node:
 * <ul>
 * <li>node down: the connections the node still has are closed once it has stayed down for
 * {@code health.close-after} (at once when that is zero). A crashed process's connections close by
 * themselves (the kernel resets them); the ones left belong to a hung node or a cut network, or to a
 * node that only missed a few checks because it (or this gateway) was briefly overloaded. Waiting
 * keeps a short blip from turning into a reconnect storm of every client of that node;</li>
 * <li>drain: connections of a node that reports not ready (or left DNS) are closed at
 * {@code drain.rate} per second;</li>
 * <li>rebalance (opt-in): when a node becomes ready (joins, or comes back), the connections whose
 * client id now ranks another ready node first are closed at {@code rebalance.rate} per second.
 * Each one is checked again just before it is closed.</li>
 * </ul>
 *
 * <p>Owned by the control event loop: listener calls and its timer run there. Closing a
 * connection hops onto that connection's event loop ({@link NodeConnection#requestMove}).
 */
public final class ConnectionMover implements NodeListener {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionMover.class);
    static final long TICK_MS = 100;

    private final GatewayOptions options;
    private final NodeTable table;
    private final LongSupplier clock;
    private final TokenBucket drainBudget;
    private final TokenBucket rebalanceBudget;
    private final Deque<Candidate> rebalanceQueue = new ArrayDeque<>();
    /** Nodes that went down and still have connections, with the time they went down. */
    private final Map<BackendNode, Long> downSince = new HashMap<>();
    private Vertx vertx;
    private long timer = -1;

    private record Candidate(NodeConnection connection, BackendNode from) {
    }

    public ConnectionMover(GatewayOptions options, NodeTable table, LongSupplier nanoClock) {
        this.options = options;
        this.table = table;
        this.clock = nanoClock;
        long now = nanoClock.getAsLong();
        this.drainBudget = new TokenBucket(options.drainRate(), bucketSize(options.drainRate()), now);
        this.rebalanceBudget = new TokenBucket(options.rebalanceRate(), bucketSize(options.rebalanceRate()), now);
    }

    /** One tick's worth (at least one), so the rate holds from the first tick. */
    private static double bucketSize(double rate) {
        return Math.max(1.0, rate * TICK_MS / 1000.0);
    }

    /** Starts the timer; call on the control event loop. */
    public void start(Vertx vertx) {
        this.vertx = vertx;
        timer = vertx.setPeriodic(TICK_MS, id -> tick());
    }

    public void stop() {
        if (vertx != null) {
            vertx.cancelTimer(timer);
        }
    }

    @Override
    public void stateChanged(BackendNode node, NodeState before, NodeState after) {
        if (after == NodeState.DOWN) {
            if (options.healthCloseAfter().isZero()) {
                closeDown(node);
            } else if (node.connectionCount() > 0) {
                downSince.put(node, clock.getAsLong());
            }
        } else if (after == NodeState.UP && options.rebalanceEnabled()) {
            planRebalance(node);
        }
    }

    @Override
    public void retiredChanged(BackendNode node) {
        if (!node.retired() && node.state() == NodeState.UP && options.rebalanceEnabled()) {
            planRebalance(node);
        }
    }

    /** Queues the connections whose best ready node is no longer theirs. */
    void planRebalance(BackendNode joined) {
        List<BackendNode> ready = table.candidates();
        rebalanceQueue.clear();
        for (BackendNode n : table.all()) {
            for (NodeConnection c : n.connections()) {
                byte[] id = c.clientIdBytes();
                if (id.length == 0) {
                    continue;
                }
                BackendNode best = RendezvousHash.best(id, ready, BackendNode::key);
                if (best != null && best != n) {
                    rebalanceQueue.add(new Candidate(c, n));
                }
            }
        }
        LOG.info("event=rebalance_planned trigger_node={} connections_to_move={} rate={}", joined.key(),
                rebalanceQueue.size(), options.rebalanceRate());
    }

    private void closeDown(BackendNode node) {
        int n = 0;
        for (NodeConnection c : List.copyOf(node.connections())) {
            if (c.requestMove(MoveReason.NODE_DOWN)) {
                n++;
            }
        }
        if (n > 0) {
            LOG.warn("event=node_down_close node={} connections={}", node.key(), n);
        }
    }

    private void closeLongDown(long now) {
        long closeAfter = options.healthCloseAfter().toNanos();
        for (Iterator<Map.Entry<BackendNode, Long>> it = downSince.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<BackendNode, Long> e = it.next();
            BackendNode node = e.getKey();
            if (node.state() != NodeState.DOWN) {
                it.remove();
                LOG.info("event=node_back_connections_kept node={} state={} connections={}", node.key(),
                        node.state(), node.connectionCount());
            } else if (now - e.getValue() >= closeAfter) {
                it.remove();
                closeDown(node);
            }
        }
    }

    void tick() {
        long now = clock.getAsLong();
        closeLongDown(now);
        drain(now);
        rebalance(now);
    }

    private void drain(long now) {
        List<BackendNode> draining = new ArrayList<>();
        for (BackendNode n : table.all()) {
            if (n.draining() && n.state() != NodeState.DOWN && n.connectionCount() > 0) {
                draining.add(n);
            }
        }
        if (draining.isEmpty()) {
            return;
        }
        int budget = drainBudget.takeUpTo(Integer.MAX_VALUE, now);
        int used = 0;
        for (BackendNode n : draining) {
            for (NodeConnection c : n.connections()) {
                if (used >= budget) {
                    break;
                }
                if (c.requestMove(MoveReason.DRAIN)) {
                    used++;
                }
            }
        }
        drainBudget.giveBack(budget - used);
    }

    private void rebalance(long now) {
        if (rebalanceQueue.isEmpty()) {
            return;
        }
        int budget = rebalanceBudget.takeUpTo(Integer.MAX_VALUE, now);
        int used = 0;
        List<BackendNode> ready = table.candidates();
        while (used < budget && !rebalanceQueue.isEmpty()) {
            Candidate c = rebalanceQueue.poll();
            if (!c.from.connections().contains(c.connection)) {
                continue;
            }
            BackendNode best = RendezvousHash.best(c.connection.clientIdBytes(), ready, BackendNode::key);
            if (best != null && best != c.from && c.connection.requestMove(MoveReason.REBALANCE)) {
                used++;
            }
        }
        rebalanceBudget.giveBack(budget - used);
        if (rebalanceQueue.isEmpty()) {
            LOG.info("event=rebalance_done");
        }
    }
}
