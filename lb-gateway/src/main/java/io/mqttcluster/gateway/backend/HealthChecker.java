package io.mqttcluster.gateway.backend;

import io.mqttcluster.gateway.backend.HealthTracker.Outcome;
import io.mqttcluster.gateway.config.GatewayOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.mqttcluster.gateway.config.NodeAddress;
import io.mqttcluster.gateway.log.LogValues;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.vertx.core.net.ConnectOptions;

/**
 * Runs one health check of a node: {@code GET http://host:httpPort/health/ready} when the node has
 * an HTTP port (200 = READY, 503 = NOT_READY, anything else or no answer = FAILED), else a TCP
 * connect to its MQTT port (accepted = READY). Every check ends within the configured timeout.
 *
 * <p>Created and used on the control event loop; all I/O is asynchronous.
 */
public final class HealthChecker {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);
    private final Vertx vertx;
    private final HttpClientAgent http;
    private final NetClient tcp;
    private final String path;
    private final long timeoutMs;

    /** @param tcp the gateway's shared net client (each connect here carries its own timeout) */
    public HealthChecker(Vertx vertx, NetClient tcp, GatewayOptions options) {
        this.vertx = vertx;
        this.tcp = tcp;
        this.timeoutMs = options.healthTimeout().toMillis();
        this.path = options.healthPath();
        // A fresh TCP connection per check: a pooled one could hide a node that stopped accepting.
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setKeepAlive(false)
                .setConnectTimeout((int) timeoutMs));
    }

    /** Checks {@code node}; never fails (a failure is the FAILED outcome). */
    public Future<Outcome> check(NodeAddress node) {
        Future<Outcome> attempt = node.httpPort() > 0 ? httpCheck(node) : tcpCheck(node);
        Promise<Outcome> result = Promise.promise();
        long timer = vertx.setTimer(timeoutMs + 250, id -> result.tryComplete(Outcome.FAILED));
        attempt.onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.failed() && LOG.isDebugEnabled()) {
                LOG.debug("event=health_check_failed node={} error={}", node.key(), LogValues.quote(String.valueOf(ar.cause())));
            }
            result.tryComplete(ar.succeeded() ? ar.result() : Outcome.FAILED);
        });
        return result.future();
    }

    private Future<Outcome> httpCheck(NodeAddress node) {
        RequestOptions req = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(node.host())
                .setPort(node.httpPort())
                .setURI(path)
                .setTimeout(timeoutMs);
        return http.request(req)
                .compose(r -> r.send())
                .compose(resp -> resp.body().map(body -> switch (resp.statusCode()) {
                    case 200 -> Outcome.READY;
                    case 503 -> Outcome.NOT_READY;
                    default -> Outcome.FAILED;
                }));
    }

    private Future<Outcome> tcpCheck(NodeAddress node) {
        ConnectOptions connect = new ConnectOptions().setHost(node.host()).setPort(node.mqttPort()).setTimeout((int) timeoutMs);
        return tcp.connect(connect).map(socket -> {
            socket.close();
            return Outcome.READY;
        });
    }

    public Future<Void> close() {
        return http.close();
    }
}
