package io.mqttcluster.gateway.backend;

import io.mqttcluster.gateway.backend.HealthTracker.Outcome;
import io.mqttcluster.gateway.config.GatewayOptions;
import io.mqttcluster.gateway.config.NodeAddress;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link NodeTable} current: asks discovery which nodes exist (once, or periodically
 * for DNS), checks each node's health every interval, applies the rise/fall rule, and tells the
 * listeners what changed.
 *
 * <p>Owned by the control event loop: {@link #start} must be called there, and every timer,
 * check result and listener call happens there.
 *
 * <p>A node that discovery stops listing is retired, not dropped: it gets no new clients, its
 * clients are drained, and it leaves the table once it has none. A discovery failure changes
 * nothing.
 */
public final class NodeMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(NodeMonitor.class);

    private final GatewayOptions options;
    private final NodeTable table;
    private final NodeDiscovery discovery;
    private final List<NodeListener> listeners;
    private final NetClient tcp;
    private Vertx vertx;
    private HealthChecker checker;
    private long healthTimer = -1;
    private long discoveryTimer = -1;
    private boolean discoveryFailing;
    private final Map<BackendNode, Future<Void>> inFlight = new HashMap<>();

    public NodeMonitor(GatewayOptions options, NodeTable table, NodeDiscovery discovery, NetClient tcp,
            List<NodeListener> listeners) {
        this.options = options;
        this.tcp = tcp;
        this.table = table;
        this.discovery = discovery;
        this.listeners = List.copyOf(listeners);
    }

    /**
     * Discovers the nodes, checks each once, then starts the periodic work. The future completes
     * when every first check has finished (each is bounded by the health timeout), so a gateway
     * that has started already knows which nodes are up.
     */
    public Future<Void> start(Vertx vertx) {
        this.vertx = vertx;
        this.checker = new HealthChecker(vertx, tcp, options);
        return discoverOnce().compose(v -> checkAll()).onSuccess(v -> {
            healthTimer = vertx.setPeriodic(options.healthInterval().toMillis(), id -> checkAll());
            if (discovery.periodic()) {
                discoveryTimer = vertx.setPeriodic(options.dnsInterval().toMillis(), id -> discoverOnce());
            }
        });
    }

    public Future<Void> stop() {
        if (vertx != null) {
            vertx.cancelTimer(healthTimer);
            vertx.cancelTimer(discoveryTimer);
        }
        return checker == null ? Future.succeededFuture() : checker.close();
    }

    private Future<Void> discoverOnce() {
        return discovery.discover()
                .onSuccess(this::applyDiscovered)
                .onFailure(e -> {
                    if (!discoveryFailing) {
                        LOG.warn("event=discovery_failed error=\"{}\" action=keep_known_nodes", String.valueOf(e.getMessage()).replace('"', '\''));
                    }
                    discoveryFailing = true;
                })
                .<Void>mapEmpty()
                .otherwiseEmpty();
    }

    private void applyDiscovered(List<NodeAddress> found) {
        if (discoveryFailing) {
            LOG.info("event=discovery_recovered nodes={}", found.size());
            discoveryFailing = false;
        }
        Set<String> seen = new HashSet<>();
        for (NodeAddress a : found) {
            seen.add(a.key());
            BackendNode n = table.get(a.key());
            if (n == null) {
                n = new BackendNode(a, options.healthRise(), options.healthFall());
                table.put(n);
                LOG.info("event=node_added node={} host={} mqtt_port={} http_port={}", a.key(), a.host(), a.mqttPort(), a.httpPort());
                for (NodeListener l : listeners) {
                    l.nodeAdded(n);
                }
                check(n);
            } else if (n.retired()) {
                n.setRetired(false);
                table.refresh();
                LOG.info("event=node_relisted node={}", a.key());
                for (NodeListener l : listeners) {
                    l.retiredChanged(n);
                }
            }
        }
        for (BackendNode n : table.all()) {
            if (!seen.contains(n.key()) && !n.retired()) {
                n.setRetired(true);
                table.refresh();
                LOG.info("event=node_unlisted node={} connections={}", n.key(), n.connectionCount());
                for (NodeListener l : listeners) {
                    l.retiredChanged(n);
                }
            }
        }
    }

    private Future<Void> checkAll() {
        List<Future<Void>> all = new ArrayList<>();
        for (BackendNode n : table.all()) {
            if (n.retired() && n.load() == 0) {
                table.remove(n);
                LOG.info("event=node_removed node={}", n.key());
                for (NodeListener l : listeners) {
                    l.nodeRemoved(n);
                }
                continue;
            }
            all.add(check(n));
        }
        return Future.join(all).mapEmpty();
    }

    /** Checks a node, or joins the check already running for it. */
    private Future<Void> check(BackendNode n) {
        Future<Void> running = inFlight.get(n);
        if (running != null) {
            return running;
        }
        Future<Void> f = checker.check(n.address()).map(outcome -> {
            inFlight.remove(n);
            apply(n, outcome);
            return null;
        });
        if (!f.isComplete()) {
            inFlight.put(n, f);
        }
        return f;
    }

    /** Applies one check outcome to a node (control event loop). */
    void apply(BackendNode n, Outcome outcome) {
        NodeState before = n.state();
        boolean first = !n.tracker().checked();
        NodeState after = n.tracker().record(outcome);
        if (after == before && !first) {
            return;
        }
        n.setState(after);
        table.refresh();
        if (after != before || first) {
            LOG.info("event=node_state node={} from={} to={} outcome={} connections={}",
                    n.key(), first ? "unknown" : before.label(), after.label(), outcome.name().toLowerCase(java.util.Locale.ROOT), n.connectionCount());
        }
        if (after != before) {
            for (NodeListener l : listeners) {
                l.stateChanged(n, before, after);
            }
        }
    }
}
