package io.mqttcluster.broker.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mqttcluster.broker.auth.Security;
import io.mqttcluster.broker.protocol.ClientProtocol;
import io.mqttcluster.broker.cluster.NodeState;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.broker.session.SessionManager;
import io.mqttcluster.cluster.ClusterView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * The node's HTTP endpoint for operators and orchestrators:
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text format</li>
 *   <li>{@code GET /health/live}: 200 while the process runs its event loops</li>
 *   <li>{@code GET /health/ready}: 200 when new MQTT clients are accepted, 503 otherwise (starting,
 *       draining, or the cluster below its quorum)</li>
 *   <li>{@code POST /admin/drain} (WRITE): stop taking new clients. With {@code ?wait=45s} it answers once
 *       the node has no connections left (the gateway moves them away at its drain rate) or the time is up,
 *       so a Kubernetes {@code preStop} hook holds the pod until its clients are gone</li>
 *   <li>{@code POST /admin/undrain} (WRITE): take new clients again</li>
 *   <li>{@code GET /status}: a small JSON summary</li>
 *   <li>{@code GET /clients/<client id>} (READ): the client's connection on this node (address, session kind,
 *       protocol, user name), or 404 when it is not connected here</li>
 *   <li>{@code /api/v1/...}: the cluster-wide admin API ({@link AdminApi}, docs/admin-api.md)</li>
 * </ul>
 * READ and WRITE are granted by {@link AdminAccess}: a bearer token, or without one configured, a caller on the
 * node's own machine. Actions answer only POST (405 otherwise): a link or a crawler cannot drain a node.
 */
public final class HttpEndpoint {

    private final NodeState state;
    private final ClusterView cluster;
    private final BrokerMetrics metrics;
    private final Security security;
    private final SessionManager<ClientProtocol> sessions;
    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final AdminAccess access;
    private final AdminApi api;
    private HttpServer server;
    private final ConsoleFiles console = new ConsoleFiles();

    /** @param api the cluster-wide admin API served under /api/v1/, or null for none */
    public HttpEndpoint(NodeState state, ClusterView cluster, BrokerMetrics metrics, Security security,
                        SessionManager<ClientProtocol> sessions, Vertx vertx, PrometheusMeterRegistry registry,
                        AdminAccess access, AdminApi api) {
        this.access = access;
        this.api = api;
        this.state = state;
        this.cluster = cluster;
        this.metrics = metrics;
        this.security = security;
        this.sessions = sessions;
        this.vertx = vertx;
        this.registry = registry;
    }

    public Future<HttpServer> start(Vertx vertx, String host, int port) {
        server = vertx.createHttpServer();
        server.requestHandler(this::handle);
        return server.listen(port, host);
    }

    public int actualPort() {
        return server.actualPort();
    }

    public Future<Void> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void handle(HttpServerRequest req) {
        String path = req.path();
        if (console.serve(req, vertx)) { return; } // the web console's files: /console/
        if (api != null && path.startsWith(AdminApi.PREFIX)) {
            api.handle(req);
            return;
        }
        if (path.startsWith("/clients/")) {
            if (!allowed(req, HttpMethod.GET, AdminAccess.Right.READ)) {
                return;
            }
            String id = java.net.URLDecoder.decode(path.substring("/clients/".length()), java.nio.charset.StandardCharsets.UTF_8);
            ClientProtocol ch = sessions.channel(id);
            if (ch == null || !ch.isConnected()) {
                req.response().setStatusCode(404).putHeader("content-type", "application/json")
                        .end(new JsonObject().put("clientId", id).put("connected", false).encode());
                return;
            }
            req.response().putHeader("content-type", "application/json").end(new JsonObject()
                    .put("clientId", id).put("connected", true).put("node", cluster.nodeName())
                    .put("remote", ch.remoteAddress()).put("persistent", ch.persistent())
                    .put("protocolVersion", ch.protocolVersion()).put("user", ch.user()).encode());
            return;
        }
        switch (path) {
            case "/metrics" -> {
                // scraping formats every meter: off the event loop
                req.pause();
                vertx.executeBlocking(registry::scrape, false).onComplete(ar -> {
                    req.resume();
                    if (ar.succeeded()) {
                        req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
                    } else {
                        req.response().setStatusCode(500).end(String.valueOf(ar.cause()));
                    }
                });
            }
            case "/health/live" -> req.response().putHeader("content-type", "application/json").end("{\"status\":\"UP\"}");
            case "/health/ready" -> {
                boolean ok = state.acceptingConnections();
                req.response().setStatusCode(ok ? 200 : 503).putHeader("content-type", "application/json")
                        .end(new JsonObject().put("status", ok ? "UP" : "DOWN")
                                .put("reason", ok ? null : state.notAcceptingReason()).encode());
            }
            case "/admin/undrain" -> {
                if (allowed(req, HttpMethod.POST, AdminAccess.Right.WRITE)) {
                    state.undrain();
                    req.response().putHeader("content-type", "application/json").end(new JsonObject()
                            .put("draining", false).put("ready", state.acceptingConnections()).encode());
                }
            }
            case "/admin/drain" -> {
                if (!allowed(req, HttpMethod.POST, AdminAccess.Right.WRITE)) {
                    return;
                }
                state.drain();
                String wait = req.getParam("wait");
                long waitMillis;
                try {
                    waitMillis = wait == null ? 0 : Math.min(io.mqttcluster.broker.config.Setting.parseDurationMillis(wait), 600_000);
                } catch (IllegalArgumentException e) {
                    req.response().setStatusCode(400).end("{\"error\":\"wait must be a duration like 45s\"}");
                    return;
                }
                long deadline = System.currentTimeMillis() + waitMillis;
                Runnable[] check = new Runnable[1];
                check[0] = () -> {
                    long left = metrics.connections();
                    if (left == 0 || System.currentTimeMillis() >= deadline) {
                        req.response().putHeader("content-type", "application/json")
                                .end(new JsonObject().put("draining", true).put("connections", left).encode());
                    } else {
                        vertx.setTimer(250, t -> check[0].run());
                    }
                };
                check[0].run();
            }
            case "/status" -> req.response().putHeader("content-type", "application/json").end(new JsonObject()
                    .put("node", cluster.nodeName())
                    .put("nodeId", cluster.nodeId())
                    .put("connections", metrics.connections())
                    .put("clusterMembers", cluster.memberCount())
                    .put("ready", state.acceptingConnections())
                    .put("security", new JsonObject()
                            .put("anonymous", security.allowAnonymous())
                            .put("users", security.rules().passwords().size())
                            .put("aclRules", security.rules().acl().size())
                            .put("rulesVersion", security.rules().version())
                            .put("rulesDigest", security.rules().digest()))
                    .encode());
            default -> req.response().setStatusCode(404).end();
        }
    }

    private boolean allowed(HttpServerRequest req, HttpMethod method, AdminAccess.Right right) {
        return access.allowed(req, method, right);
    }
}
