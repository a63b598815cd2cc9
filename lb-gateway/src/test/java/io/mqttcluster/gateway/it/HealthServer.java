package io.mqttcluster.gateway.it;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Stands in for a broker node's HTTP endpoint: {@code /health/ready} answers the status set. */
final class HealthServer implements AutoCloseable {
    private final AtomicInteger status = new AtomicInteger(200);
    private final HttpServer server;

    HealthServer(Vertx vertx) throws Exception {
        server = vertx.createHttpServer().requestHandler(req -> {
            if ("/health/ready".equals(req.path())) {
                req.response().setStatusCode(status.get()).end();
            } else {
                req.response().setStatusCode(404).end();
            }
        });
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    void ready() {
        status.set(200);
    }

    /** Answers 500: a failed check, as when the node does not answer in time. */
    void failing() {
        status.set(500);
    }

    void notReady() {
        status.set(503);
    }

    @Override
    public void close() {
        server.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }
}
