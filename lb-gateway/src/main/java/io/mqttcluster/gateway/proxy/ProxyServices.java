package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.backend.NodeTable;
import io.mqttcluster.gateway.config.GatewayOptions;
import io.mqttcluster.gateway.log.RateLimitedLog;

/**
 * What every client connection shares, whatever its event loop. Every part is thread-safe.
 *
 * @param flapping bans client ids that connect too often
 * @param rejectLog limits the log lines about refused connections
 */
public record ProxyServices(
        GatewayOptions options,
        NodeTable nodes,
        ProxyMetrics metrics,
        ConnectionLimit connectionLimit,
        SourceRateLimiter rateLimiter,
        FlappingDetector flapping,
        RateLimitedLog rejectLog) {
}
