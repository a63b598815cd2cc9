package io.mqttcluster.cluster.forward;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one log line per interval for one kind of event that a stranger can cause at will (a refused
 * handshake, an oversize frame from an unauthenticated connection), with the number of lines left out since the
 * last one. Any thread; lock-free.
 */
final class RateLimitedLog {

    private final long intervalNanos;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedLog(long interval, TimeUnit unit) {
        this.intervalNanos = unit.toNanos(interval);
    }

    /**
     * -1 when this event is not to be logged (it is counted as left out); else how many were left out before it
     * (0 or more), to be logged with it.
     */
    long tryLog() {
        long now = System.nanoTime();
        long n = next.get();
        if ((n == Long.MIN_VALUE || now - n >= 0) && next.compareAndSet(n, now + intervalNanos)) {
            return suppressed.getAndSet(0);
        }
        suppressed.incrementAndGet();
        return -1;
    }
}
