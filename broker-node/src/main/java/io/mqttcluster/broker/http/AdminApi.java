package io.mqttcluster.broker.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The router of the cluster-wide admin API under {@code /api/v1} (docs/admin-api.md, docs/openapi.yaml): matches a
 * request to its route, checks the method (405) and the right (READ for GET, WRITE otherwise, by {@link AdminAccess}),
 * runs the call and writes its JSON, or {@code {"error": ...}} with the status of an {@link ApiError}. Runs on the
 * HTTP server's event loop; the calls never block it.
 */
public final class AdminApi {

    public static final String PREFIX = "/api/v1/";
    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);

    /** What a route's call gets: the request, its decoded path parameters, its context and who asks. */
    public record Call(HttpServerRequest req, List<String> pathParams, ContextInternal ctx, String caller) {
        String param(int i) {
            return pathParams.get(i);
        }
    }

    /** One route: a method and a path template such as {@code /api/v1/clients/{clientId}/kick}. */
    public record Route(HttpMethod method, String template, Function<Call, Future<JsonObject>> handler) {
        AdminAccess.Right right() {
            return method == HttpMethod.GET ? AdminAccess.Right.READ : AdminAccess.Right.WRITE;
        }

        /** The decoded path parameters when the path fits the template, else null. */
        List<String> match(String[] segments) {
            String[] parts = template.substring(1).split("/");
            if (parts.length != segments.length) {
                return null;
            }
            List<String> params = new ArrayList<>(2);
            for (int i = 0; i < parts.length; i++) {
                if (parts[i].startsWith("{")) {
                    if (segments[i].isEmpty()) {
                        return null;
                    }
                    params.add(PageParams.decodeSegment(segments[i]));
                } else if (!parts[i].equals(segments[i])) {
                    return null;
                }
            }
            return params;
        }
    }

    private final AdminAccess access;
    private final List<Route> routes;

    public AdminApi(AdminAccess access, ClientsApi clients, SubscriptionsApi subscriptions, RetainedApi retained,
                    ClusterApi cluster) {
        this.access = access;
        this.routes = List.of(
                new Route(HttpMethod.GET, "/api/v1/clients", c -> clients.list(c.req().params(), c.ctx())),
                new Route(HttpMethod.GET, "/api/v1/clients/{clientId}", c -> clients.detail(c.param(0), c.ctx())),
                new Route(HttpMethod.POST, "/api/v1/clients/{clientId}/kick", c -> clients.kick(c.param(0), c.caller(), c.ctx())),
                new Route(HttpMethod.DELETE, "/api/v1/sessions/{clientId}", c -> clients.delete(c.param(0), c.caller(), c.ctx())),
                new Route(HttpMethod.GET, "/api/v1/subscriptions", c -> subscriptions.list(c.req().params(), c.ctx())),
                new Route(HttpMethod.GET, "/api/v1/retained", c -> retained.list(c.req().params())),
                new Route(HttpMethod.GET, "/api/v1/cluster", c -> cluster.status(c.ctx())),
                new Route(HttpMethod.POST, "/api/v1/nodes/{name}/drain", c -> cluster.drain(c.param(0), true, c.caller(), c.ctx())),
                new Route(HttpMethod.POST, "/api/v1/nodes/{name}/undrain", c -> cluster.drain(c.param(0), false, c.caller(), c.ctx())));
    }

    /** Every route as "METHOD template", e.g. {@code GET /api/v1/clients} (the OpenAPI test compares them). */
    public List<String> routes() {
        return routes.stream().map(r -> r.method().name() + " " + r.template()).toList();
    }

    /** Serves a request whose path starts with {@link #PREFIX}. */
    public void handle(HttpServerRequest req) {
        try {
            route(req);
        } catch (ApiError e) {
            error(req, e.status(), e.getMessage());
        }
    }

    private void route(HttpServerRequest req) {
        String[] segments = req.path().substring(1).split("/", -1);
        List<HttpMethod> allowed = new ArrayList<>(1);
        for (Route r : routes) {
            List<String> params = r.match(segments);
            if (params == null) {
                continue;
            }
            if (r.method() != req.method()) {
                allowed.add(r.method());
                continue;
            }
            if (!access.allowed(req, r.method(), r.right())) {
                return;
            }
            String caller = String.valueOf(req.remoteAddress());
            Future<JsonObject> answer;
            try {
                answer = r.handler().apply(new Call(req, params, ContextInternal.current(), caller));
            } catch (ApiError e) {
                answer = Future.failedFuture(e);
            }
            answer.onComplete(ar -> {
                if (ar.succeeded()) {
                    req.response().putHeader("content-type", "application/json").end(ar.result().encode());
                } else if (ar.cause() instanceof ApiError e) {
                    error(req, e.status(), e.getMessage());
                } else {
                    log.warn("event=admin_call_failed method={} path={} error=\"{}\"", req.method(), req.path(), ar.cause().toString());
                    error(req, 503, "the cluster did not answer: " + ar.cause().getMessage());
                }
            });
            return;
        }
        if (!allowed.isEmpty()) {
            req.response().putHeader("Allow", String.join(", ", allowed.stream().map(HttpMethod::name).toList()));
            error(req, 405, "use " + String.join(" or ", allowed.stream().map(HttpMethod::name).toList()));
            return;
        }
        error(req, 404, "no such call: " + req.path());
    }

    private static void error(HttpServerRequest req, int status, String message) {
        if (req.response().ended()) {
            return;
        }
        req.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(new JsonObject().put("error", message).encode());
    }
}
