package io.mqttcluster.gateway;

import io.mqttcluster.gateway.backend.NodeMonitor;
import io.mqttcluster.gateway.proxy.ConnectionMover;
import io.mqttcluster.gateway.proxy.FlappingDetector;
import io.mqttcluster.gateway.proxy.SourceRateLimiter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The gateway's control event loop: node discovery and health checks ({@link NodeMonitor}),
 * moving connections ({@link ConnectionMover}) and forgetting idle rate-limit buckets and the client ids
 * whose flapping window or ban is over. Everything
 * these do runs on this one verticle's context, so their state needs no locks.
 */
final class ControlVerticle extends VerticleBase {
    private static final long SWEEP_MS = 5_000;

    private final NodeMonitor monitor;
    private final ConnectionMover mover;
    private final SourceRateLimiter rateLimiter;
    private final FlappingDetector flapping;
    private long sweepTimer = -1;

    ControlVerticle(NodeMonitor monitor, ConnectionMover mover, SourceRateLimiter rateLimiter, FlappingDetector flapping) {
        this.monitor = monitor;
        this.mover = mover;
        this.rateLimiter = rateLimiter;
        this.flapping = flapping;
    }

    @Override
    public Future<?> start() {
        mover.start(vertx);
        sweepTimer = vertx.setPeriodic(SWEEP_MS, id -> {
            rateLimiter.sweep();
            flapping.sweep();
        });
        return monitor.start(vertx);
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(sweepTimer);
        mover.stop();
        return monitor.stop();
    }
}
