package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.log.LogValues;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log line of a refused connection, rate-limited ({@code log.rejections-per-second}; the rest are only counted),
 * and the refusal of a socket at accept time, before it has a {@link ClientConnection}. Any event loop.
 */
final class Rejections {
    /** The logger of the connection events, so that one logger setting covers them all. */
    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);

    private Rejections() {
    }

    /** Refuses a connection that never became a {@code ClientConnection} (limits at accept time). */
    static void refuse(ProxyServices px, Channel socket, RejectReason reason) {
        px.metrics().rejected(reason);
        log(px, reason, String.valueOf(socket.remoteAddress()), null, "");
        socket.close();
    }

    /** Logs a refusal, unless over the rate; {@code clientId} null when no CONNECT was read. */
    static void log(ProxyServices px, RejectReason reason, String remote, String clientId, String detail) {
        long suppressed = px.rejectLog().tryAcquire();
        if (suppressed < 0) {
            return;
        }
        LOG.warn("event=connection_rejected reason={} remote={} client_id={} detail={} suppressed={}", reason.label(), remote,
                clientId == null ? "-" : LogValues.quote(clientId), LogValues.quote(detail), suppressed);
    }
}
