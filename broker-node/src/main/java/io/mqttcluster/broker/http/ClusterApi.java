package io.mqttcluster.broker.http;

import io.mqttcluster.broker.cluster.AdminRequests;
import io.mqttcluster.broker.cluster.NodeState;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.cluster.ClusterView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The admin API's view of the cluster ({@code GET /api/v1/cluster}: every member's own status, asked over the bus
 * with a short timeout, quorum, partition safety, session counts) and drain/undrain of any node by name. Futures
 * complete on the request's context; the store's counts and the partition check run on a worker.
 */
public final class ClusterApi {

    private static final Logger log = LoggerFactory.getLogger(ClusterApi.class);
    static final long STATUS_TIMEOUT_MS = 1500;
    static final long DRAIN_TIMEOUT_MS = 5000;

    private final ClusterView cluster;
    private final BrokerConfig config;
    private final NodeState state;
    private final AdminRequests admin;
    private final Vertx vertx;
    private final BooleanSupplier partitionsSafe;

    /** @param partitionsSafe whether every partition's backups are in sync (blocking: called on a worker) */
    public ClusterApi(ClusterView cluster, BrokerConfig config, NodeState state, AdminRequests admin, Vertx vertx,
                      BooleanSupplier partitionsSafe) {
        this.cluster = cluster;
        this.config = config;
        this.state = state;
        this.admin = admin;
        this.vertx = vertx;
        this.partitionsSafe = partitionsSafe;
    }

    public Future<JsonObject> status(ContextInternal ctx) {
        Map<String, String> names = cluster.memberNames();
        List<Future<JsonObject>> members = new ArrayList<>(names.size());
        names.forEach((id, name) -> members.add(admin.ask(id, AdminRequests.STATUS, new JsonObject(), STATUS_TIMEOUT_MS, ctx)
                .map(s -> s.put("reachable", true))
                .recover(err -> Future.succeededFuture(new JsonObject().put("name", name).put("id", id)
                        .put("ready", false).put("draining", null).put("connections", null)
                        .put("messagesIn", null).put("messagesOut", null).put("reachable", false)))
                .map(s -> s.put("self", id.equals(cluster.nodeId())))));
        Future<JsonObject> stored = vertx.executeBlocking(() -> new JsonObject()
                .put("partitionsSafe", partitionsSafe.getAsBoolean())
                .put("sessions", new JsonObject()
                        .put("total", cluster.sessions().size())
                        .put("offline", cluster.sessions().countOffline())), false);
        return Future.all(members).compose(all -> stored.map(s -> {
            JsonArray list = new JsonArray();
            for (int i = 0; i < all.size(); i++) {
                JsonObject m = all.resultAt(i);
                list.add(new JsonObject().put("name", m.getString("name")).put("id", m.getString("id"))
                        .put("self", m.getBoolean("self")).put("ready", m.getBoolean("ready"))
                        .put("draining", m.getBoolean("draining")).put("connections", m.getLong("connections"))
                        .put("messagesIn", m.getLong("messagesIn")).put("messagesOut", m.getLong("messagesOut"))
                        .put("reachable", m.getBoolean("reachable")));
            }
            int count = names.size();
            return new JsonObject()
                    .put("clusterName", config.clusterName())
                    .put("self", cluster.nodeName())
                    .put("members", list)
                    .put("quorum", new JsonObject().put("members", count).put("required", config.quorum())
                            .put("ok", state.hasQuorum()))
                    .put("partitionsSafe", s.getBoolean("partitionsSafe"))
                    .put("sessions", s.getJsonObject("sessions"))
                    .put("grafanaUrl", config.grafanaUrl());
        }));
    }

    /** {@code POST /api/v1/nodes/{name}/drain} and {@code /undrain}: the node named sets its own state. */
    public Future<JsonObject> drain(String name, boolean draining, String caller, ContextInternal ctx) {
        String id = ClientsQuery.nodeId(cluster.memberNames(), name);
        if (id == null) {
            throw ApiError.notFound("no cluster member is named '" + name + "'");
        }
        return admin.ask(id, AdminRequests.DRAIN, new JsonObject().put("draining", draining), DRAIN_TIMEOUT_MS, ctx)
                .transform(ar -> {
                    if (ar.failed()) {
                        return Future.failedFuture(new ApiError(503, "node " + name + " did not answer: " + ar.cause().getMessage()));
                    }
                    log.info("event=admin_{} node={} caller={}", draining ? "drain" : "undrain", name, caller);
                    return Future.succeededFuture(new JsonObject().put("node", name).put("draining", ar.result().getBoolean("draining")));
                });
    }
}
