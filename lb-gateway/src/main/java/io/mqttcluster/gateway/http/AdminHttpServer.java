package io.mqttcluster.gateway.http;

import io.mqttcluster.gateway.backend.BackendNode;
import io.mqttcluster.gateway.backend.NodeState;
import io.mqttcluster.gateway.backend.NodeTable;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.mqttcluster.gateway.hash.NodeChooser;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The gateway's HTTP endpoint:
 * <ul>
 * <li>{@code GET /metrics}: Prometheus text format</li>
 * <li>{@code GET /health/live}: 200 while the process runs</li>
 * <li>{@code GET /health/ready}: 200 when at least one node takes new clients, else 503</li>
 * <li>{@code GET /nodes}: JSON array, one object per node: node, host, mqtt_port, http_port,
 * state (up/draining/down), healthy, draining, retired, connections</li>
 * <li>{@code GET /route?client_id=ID}: where a client with that id goes now: its first choice and the
 * order of the fallbacks, by the same hash every gateway uses</li>
 * </ul>
 * One instance, owned by its event loop; the scrape runs on a worker thread.
 */
public final class AdminHttpServer extends VerticleBase {
    private final String host;
    private final int port;
    private final NodeTable nodes;
    private final PrometheusMeterRegistry registry;
    private HttpServer server;

    public AdminHttpServer(String host, int port, NodeTable nodes, PrometheusMeterRegistry registry) {
        this.host = host;
        this.port = port;
        this.nodes = nodes;
        this.registry = registry;
    }

    @Override
    public Future<?> start() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)).requestHandler(this::handle);
        return server.listen();
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void handle(HttpServerRequest req) {
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            req.response().setStatusCode(405).end();
            return;
        }
        switch (req.path()) {
            case "/metrics" -> vertx.executeBlocking(registry::scrape, false).onComplete(ar -> {
                if (ar.succeeded()) {
                    req.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
                } else {
                    req.response().setStatusCode(500).end();
                }
            });
            case "/health/live" -> text(req, 200, "live");
            case "/health/ready" -> {
                int ready = nodes.candidates().size();
                text(req, ready > 0 ? 200 : 503, ready > 0 ? "ready nodes=" + ready : "no ready node");
            }
            case "/nodes" -> req.response().putHeader("Content-Type", "application/json").end(nodesJson().encodePrettily());
            case "/route" -> route(req);
            default -> text(req, 404, "not found");
        }
    }

    private void route(HttpServerRequest req) {
        String id = req.getParam("client_id");
        if (id == null) {
            text(req, 400, "missing ?client_id=");
            return;
        }
        List<BackendNode> candidates = nodes.candidates();
        JsonObject out = new JsonObject().put("client_id", id);
        if (candidates.isEmpty()) {
            out.putNull("node").put("order", new JsonArray());
        } else {
            byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
            JsonArray order = new JsonArray();
            for (BackendNode n : NodeChooser.order(bytes, candidates)) {
                order.add(n.key());
            }
            out.put("node", order.getString(0)).put("order", order)
                    .put("reason", NodeChooser.firstChoiceReason(bytes).label());
        }
        req.response().putHeader("Content-Type", "application/json").end(out.encodePrettily());
    }

    private JsonArray nodesJson() {
        JsonArray out = new JsonArray();
        for (BackendNode n : nodes.all()) {
            out.add(new JsonObject()
                    .put("node", n.key())
                    .put("host", n.address().host())
                    .put("mqtt_port", n.address().mqttPort())
                    .put("http_port", n.address().httpPort())
                    .put("state", n.state().label())
                    .put("healthy", n.state() != NodeState.DOWN)
                    .put("ready", n.acceptsNewClients())
                    .put("draining", n.draining())
                    .put("retired", n.retired())
                    .put("connections", n.connectionCount()));
        }
        return out;
    }

    private static void text(HttpServerRequest req, int status, String body) {
        req.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8").end(body + "\n");
    }
}
