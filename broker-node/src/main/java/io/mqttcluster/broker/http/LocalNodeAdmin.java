package io.mqttcluster.broker.http;

import io.mqttcluster.broker.cluster.AdminRequests;
import io.mqttcluster.broker.cluster.NodeState;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.broker.protocol.ClientProtocol;
import io.mqttcluster.broker.protocol.CloseReason;
import io.mqttcluster.broker.session.SessionManager;
import io.mqttcluster.cluster.ClusterView;
import io.mqttcluster.cluster.session.SubOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What this node answers to the admin API's node-to-node requests ({@link AdminRequests}): facts only it has about
 * the clients connected to it, closing one, its own status, drain and undrain. A connection's state is read on
 * that connection's context; everything else here is thread-safe, so calls arrive on any thread.
 */
public final class LocalNodeAdmin implements AdminRequests.Local {

    private final ClusterView cluster;
    private final NodeState state;
    private final BrokerMetrics metrics;
    private final SessionManager<ClientProtocol> sessions;

    public LocalNodeAdmin(ClusterView cluster, NodeState state, BrokerMetrics metrics, SessionManager<ClientProtocol> sessions) {
        this.cluster = cluster;
        this.state = state;
        this.metrics = metrics;
        this.sessions = sessions;
    }

    @Override
    public Future<JsonObject> kick(JsonObject args) {
        String id = args.getString("clientId");
        ClientProtocol ch = sessions.channel(id);
        if (ch == null) {
            return Future.succeededFuture(new JsonObject().put("clientId", id).put("closed", false));
        }
        CloseReason reason = args.getBoolean("delete", false) ? CloseReason.SESSION_DELETED : CloseReason.ADMIN_KICK;
        return ch.closeByOperator(reason).map(closed -> new JsonObject().put("clientId", id).put("closed", closed));
    }

    @Override
    public Future<JsonObject> live(JsonObject args) {
        ClientProtocol ch = sessions.channel(args.getString("clientId"));
        if (ch == null) {
            return Future.succeededFuture(new JsonObject().put("connected", false));
        }
        Promise<JsonObject> p = Promise.promise();
        ch.context().execute(() -> {
            JsonArray subs = new JsonArray();
            ch.subscriptionOptions().forEach((filter, o) -> subs.add(ClientsQuery.subscription(filter, o)));
            p.complete(new JsonObject()
                    .put("connected", ch.isConnected())
                    .put("inflight", ch.outbound() == null ? 0 : ch.outbound().inflightCount())
                    .put("subscriptions", subs));
        });
        return p.future();
    }

    @Override
    public Future<JsonObject> status(JsonObject args) {
        return Future.succeededFuture(status());
    }

    private JsonObject status() {
        return new JsonObject()
                .put("name", cluster.nodeName())
                .put("id", cluster.nodeId())
                .put("ready", state.acceptingConnections())
                .put("draining", state.draining())
                .put("connections", metrics.connections())
                .put("messagesIn", (long) metrics.receivedTotal())
                .put("messagesOut", (long) metrics.deliveredTotal());
    }

    @Override
    public Future<JsonObject> drain(JsonObject args) {
        if (args.getBoolean("draining", true)) {
            state.drain();
        } else {
            state.undrain();
        }
        return Future.succeededFuture(status());
    }

    /**
     * The subscriptions of the clients connected here, sorted by filter then client id, the first {@code limit + 1}
     * after the cursor: each event loop collects its own connections' in one task.
     */
    @Override
    public Future<JsonObject> subscriptions(JsonObject args) {
        String filter = args.getString("filter");
        String clientId = args.getString("clientId");
        String after = args.getString("after");
        int keep = args.getInteger("limit") + 1;
        Map<ContextInternal, List<ClientProtocol>> byLoop = new HashMap<>();
        for (ClientProtocol ch : sessions.channels()) {
            if (clientId == null || clientId.equals(ch.clientId())) {
                byLoop.computeIfAbsent(ch.context(), c -> new ArrayList<>()).add(ch);
            }
        }
        List<Future<TreeMap<String, JsonObject>>> parts = new ArrayList<>(byLoop.size());
        byLoop.forEach((ctx, channels) -> {
            Promise<TreeMap<String, JsonObject>> p = Promise.promise();
            ctx.execute(() -> {
                SubscriptionPage page = new SubscriptionPage(after, keep);
                for (ClientProtocol ch : channels) {
                    if (!ch.isConnected()) {
                        continue;
                    }
                    for (Map.Entry<String, SubOptions> e : ch.subscriptionOptions().entrySet()) {
                        if (filter == null || filter.equals(e.getKey())) {
                            page.offer(e.getKey(), ch.clientId(), e.getValue(), cluster.nodeName());
                        }
                    }
                }
                p.complete(page.items());
            });
            parts.add(p.future());
        });
        return Future.all(parts).map(all -> {
            SubscriptionPage page = new SubscriptionPage(after, keep);
            for (int i = 0; i < all.size(); i++) {
                TreeMap<String, JsonObject> part = all.resultAt(i);
                part.forEach(page::offer);
            }
            return new JsonObject().put("items", new JsonArray(new ArrayList<>(page.items().values())));
        });
    }

    /** Counted on each connection's context, like every read of its subscriptions. */
    @Override
    public Future<JsonObject> subscriptionCounts(JsonObject args) {
        List<Future<Integer>> counts = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Object o : args.getJsonArray("clientIds")) {
            ClientProtocol ch = sessions.channel((String) o);
            if (ch != null) {
                Promise<Integer> p = Promise.promise();
                ch.context().execute(() -> p.complete(ch.subscriptionOptions().size()));
                counts.add(p.future());
                ids.add((String) o);
            }
        }
        return Future.all(counts).map(all -> {
            JsonObject out = new JsonObject();
            for (int i = 0; i < ids.size(); i++) {
                out.put(ids.get(i), all.<Integer>resultAt(i));
            }
            return new JsonObject().put("counts", out);
        });
    }
}
