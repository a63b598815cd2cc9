package io.mqttcluster.broker.http;

import io.mqttcluster.broker.cluster.AdminRequests;
import io.mqttcluster.broker.session.SessionExpiry;
import io.mqttcluster.cluster.ClusterView;
import io.mqttcluster.cluster.session.ClientQuery;
import io.mqttcluster.cluster.session.SessionView;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin API's calls on clients and sessions: search, detail, kick, delete. The store answers for the whole
 * cluster (searches run on the members holding the sessions, a detail on the session's partition); the node holding
 * a connection is asked over the bus only for what it alone knows or does. Futures complete on the request's
 * context; the blocking search runs on a worker.
 */
public final class ClientsApi {

    private static final Logger log = LoggerFactory.getLogger(ClientsApi.class);
    /** How long a detail waits for the owner node's live facts before it answers without them. */
    static final long LIVE_TIMEOUT_MS = 2000;
    static final long KICK_TIMEOUT_MS = 5000;

    private final ClusterView cluster;
    private final AdminRequests admin;
    private final SessionExpiry expiry;
    private final Vertx vertx;

    public ClientsApi(ClusterView cluster, AdminRequests admin, SessionExpiry expiry, Vertx vertx) {
        this.cluster = cluster;
        this.admin = admin;
        this.expiry = expiry;
        this.vertx = vertx;
    }

    /**
     * {@code GET /api/v1/clients}. A clean session keeps its subscriptions only on its node: the page's connected
     * clean sessions get their counts from their nodes (one request per node); a node that does not answer in time
     * leaves the store's count (0).
     */
    public Future<JsonObject> list(MultiMap params, ContextInternal ctx) {
        Map<String, String> names = cluster.memberNames();
        ClientQuery q = ClientsQuery.parse(params, names);
        return vertx.<List<SessionView>>executeBlocking(() -> cluster.sessions().findClients(q), false)
                .map(found -> ClientsQuery.page(found, q.limit(), names))
                .compose(page -> withLiveCounts(page, names, ctx));
    }

    private Future<JsonObject> withLiveCounts(JsonObject page, Map<String, String> names, ContextInternal ctx) {
        Map<String, JsonArray> byNode = new HashMap<>();
        Map<String, JsonObject> byId = new HashMap<>();
        for (Object o : page.getJsonArray("items")) {
            JsonObject item = (JsonObject) o;
            if (item.getBoolean("connected") && !item.getBoolean("persistent")) {
                String ownerId = ClientsQuery.nodeId(names, item.getString("node"));
                if (ownerId != null) {
                    byNode.computeIfAbsent(ownerId, k -> new JsonArray()).add(item.getString("clientId"));
                    byId.put(item.getString("clientId"), item);
                }
            }
        }
        List<Future<JsonObject>> asks = new ArrayList<>(byNode.size());
        byNode.forEach((node, ids) -> asks.add(admin.ask(node, AdminRequests.SUBSCRIPTION_COUNTS,
                new JsonObject().put("clientIds", ids), LIVE_TIMEOUT_MS, ctx).recover(err -> Future.succeededFuture(null))));
        return Future.all(asks).map(all -> {
            for (int i = 0; i < all.size(); i++) {
                JsonObject reply = all.resultAt(i);
                if (reply != null) {
                    reply.getJsonObject("counts").forEach(e -> byId.get(e.getKey()).put("subscriptions", e.getValue()));
                }
            }
            return page;
        });
    }

    /** {@code GET /api/v1/clients/{clientId}}: the store's record, and the owner's live facts when it answers in time. */
    public Future<JsonObject> detail(String clientId, ContextInternal ctx) {
        return describe(clientId, ctx).compose(v -> {
            if (v == null) {
                throw ApiError.notFound("no session");
            }
            Map<String, String> names = cluster.memberNames();
            if (!v.connected()) {
                return Future.succeededFuture(ClientsQuery.detail(v, null, names));
            }
            return admin.ask(v.owner(), AdminRequests.LIVE, new JsonObject().put("clientId", clientId), LIVE_TIMEOUT_MS, ctx)
                    .transform(ar -> {
                        JsonObject live = ar.succeeded() && ar.result().getBoolean("connected", false) ? ar.result() : null;
                        if (ar.failed()) {
                            log.debug("event=admin_live_no_answer client_id={} node={} error={}", clientId, v.owner(), ar.cause().toString());
                        }
                        return Future.succeededFuture(ClientsQuery.detail(v, live, names));
                    });
        });
    }

    /** {@code POST /api/v1/clients/{clientId}/kick}: the owner node closes the connection (MQTT 5: 0x98). */
    public Future<JsonObject> kick(String clientId, String caller, ContextInternal ctx) {
        return describe(clientId, ctx).compose(v -> {
            if (v == null || !v.connected()) {
                throw ApiError.notFound("not connected");
            }
            String node = cluster.memberNames().getOrDefault(v.owner(), v.owner());
            return close(v.owner(), node, clientId, false, ctx).map(closed -> {
                if (!closed) {
                    throw ApiError.notFound("not connected");
                }
                log.info("event=admin_kick client_id={} node={} caller={}", clientId, node, caller);
                return new JsonObject().put("clientId", clientId).put("kicked", true).put("node", node);
            });
        });
    }

    /**
     * {@code DELETE /api/v1/sessions/{clientId}}: closes the connection if there is one (no will), then deletes the
     * record and queue and cleans up its subscriptions cluster-wide as the expiry sweep does.
     */
    public Future<JsonObject> delete(String clientId, String caller, ContextInternal ctx) {
        return describe(clientId, ctx).compose(v -> {
            if (v == null) {
                throw ApiError.notFound("no session");
            }
            Future<Boolean> closed = Future.succeededFuture(false);
            if (v.connected()) {
                String node = cluster.memberNames().getOrDefault(v.owner(), v.owner());
                closed = close(v.owner(), node, clientId, true, ctx);
            }
            return closed.compose(c -> Future.fromCompletionStage(cluster.sessions().delete(clientId), ctx))
                    .compose(r -> {
                        if (r != null && !r.expired()) {
                            throw new ApiError(409, "the client connected again meanwhile; kick it first");
                        }
                        Future<Void> cleanUp = r == null ? Future.succeededFuture() : expiry.deleted(clientId, r, ctx);
                        return cleanUp.map(x -> {
                            log.info("event=admin_session_deleted client_id={} was_connected={} subscriptions={} queued_dropped={} caller={}",
                                    clientId, v.connected(), r == null ? 0 : r.subscriptions().size(),
                                    r == null ? 0 : r.queuedDropped(), caller);
                            return new JsonObject().put("clientId", clientId).put("deleted", true);
                        });
                    });
        });
    }

    private Future<SessionView> describe(String clientId, ContextInternal ctx) {
        return Future.fromCompletionStage(cluster.sessions().describe(clientId), ctx);
    }

    /** Asks the owner node to close the connection; true when it did; a node that does not answer is a 503. */
    private Future<Boolean> close(String ownerId, String node, String clientId, boolean delete, ContextInternal ctx) {
        JsonObject args = new JsonObject().put("clientId", clientId).put("delete", delete);
        return admin.ask(ownerId, AdminRequests.KICK, args, KICK_TIMEOUT_MS, ctx)
                .transform(ar -> {
                    if (ar.failed()) {
                        return Future.failedFuture(new ApiError(503, "node " + node + " did not answer: " + ar.cause().getMessage()));
                    }
                    return Future.succeededFuture(ar.result().getBoolean("closed", false));
                });
    }
}
