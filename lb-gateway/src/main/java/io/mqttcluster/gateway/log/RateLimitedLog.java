package io.mqttcluster.gateway.log;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Lets at most N log lines through per second and counts the rest, so that a flood of garbage
 * connections cannot flood the log. The next line that passes carries the number suppressed
 * before it. Lock-free; safe from any thread.
 */
public final class RateLimitedLog {
    private final int perSecond;
    private final LongSupplier clock;
    private final AtomicLong window = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimitedLog(int perSecond, LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.clock = nanoClock;
    }

    /**
     * Returns -1 when this line must be dropped, else the number of lines dropped since the last
     * one let through (to be logged as {@code suppressed=N}).
     */
    public long tryAcquire() {
        long second = clock.getAsLong() / 1_000_000_000L;
        long w = window.get();
        if (second != w && window.compareAndSet(w, second)) {
            used.set(0);
        }
        if (used.incrementAndGet() > perSecond) {
            suppressed.incrementAndGet();
            return -1;
        }
        return suppressed.getAndSet(0);
    }
}
