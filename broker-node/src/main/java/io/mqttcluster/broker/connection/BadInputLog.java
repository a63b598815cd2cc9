package io.mqttcluster.broker.connection;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One concise line per malformed connection, at most a few per second: a flood of garbage must not flood
 * the log. The lines it suppresses are counted and reported with the next one. Thread-safe.
 */
public final class BadInputLog {

    private static final Logger log = LoggerFactory.getLogger("io.mqttcluster.broker.BadInput");
    private static final long WINDOW_NANOS = 1_000_000_000L;
    private static final int PER_WINDOW = 5;

    private static final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private static final AtomicLong inWindow = new AtomicLong();
    private static final AtomicLong suppressed = new AtomicLong();

    private BadInputLog() {
    }

    private static final Logger internal = LoggerFactory.getLogger("io.mqttcluster.broker.ConnectionError");
    private static final AtomicLong internalWindowStart = new AtomicLong(System.nanoTime());
    private static final AtomicLong internalInWindow = new AtomicLong();

    /**
     * Whether an exception that reached a connection's last handler is about the peer's bytes or socket (a decoder
     * refusing them, an I/O error, a TLS or WebSocket failure): bad input, closed quietly. Anything else came from
     * our own code while it handled a packet the decoder had accepted.
     */
    static boolean isInputError(Throwable cause) {
        return cause instanceof io.netty.handler.codec.DecoderException
                || cause instanceof java.io.IOException
                || cause instanceof javax.net.ssl.SSLException
                || cause instanceof io.netty.handler.codec.http.websocketx.WebSocketHandshakeException
                || cause instanceof io.netty.handler.codec.CodecException;
    }

    /**
     * An exception of our own while handling a connection's packet: a bug, logged at WARN with its stack trace
     * ({@code event=connection_error}), a few per second at most; the connection is closed by the caller.
     */
    static void internalError(String remote, Throwable cause) {
        long now = System.nanoTime();
        long start = internalWindowStart.get();
        if (now - start > WINDOW_NANOS && internalWindowStart.compareAndSet(start, now)) {
            internalInWindow.set(0);
        }
        if (internalInWindow.incrementAndGet() > PER_WINDOW) {
            return;
        }
        internal.warn("event=connection_error remote={} error=\"{}\"", remote, describe(cause), cause);
    }

    public static void report(String remote, Throwable cause) {
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start > WINDOW_NANOS && windowStart.compareAndSet(start, now)) {
            inWindow.set(0);
        }
        if (inWindow.incrementAndGet() > PER_WINDOW) {
            suppressed.incrementAndGet();
            return;
        }
        long skipped = suppressed.getAndSet(0);
        log.info("event=malformed_packet remote={} error=\"{}\" suppressed_since_last={}", remote, describe(cause), skipped);
    }

    static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getClass().getSimpleName() + ": " + root.getMessage();
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return m.length() > 200 ? m.substring(0, 200) : m.replace('"', '\'');
    }
}
