package io.mqttcluster.gateway.proxy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * New-connection rate limit per source IP ({@code limits.rate-per-source}, off by default): one {@link TokenBucket}
 * per address (rate per second, burst). A connection over the rate is not refused but told how long to wait for its
 * turn ({@link #reserve}); only a wait past {@code limits.accept-max-wait} refuses it. Shared by every event loop:
 * the map is concurrent and each bucket is used under its own lock. Buckets that have refilled are dropped by
 * {@link #sweep()} (control event loop), so the map holds only addresses seen recently.
 */
public final class SourceRateLimiter {
    private final double rate;
    private final int burst;
    private final LongSupplier clock;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    /** @param rate new connections per second per address; 0 = no limit */
    public SourceRateLimiter(double rate, int burst, LongSupplier nanoClock) {
        this.rate = rate;
        this.burst = burst;
        this.clock = nanoClock;
    }

    /** True when {@code sourceIp} may open one more connection now, without waiting. */
    public boolean allow(String sourceIp) {
        return reserve(sourceIp, 0) == 0;
    }

    /**
     * Takes {@code sourceIp}'s next turn: 0 = now, else the nanoseconds to wait for it; -1 (nothing taken) when the
     * wait would exceed {@code maxWaitNanos}.
     */
    public long reserve(String sourceIp, long maxWaitNanos) {
        if (rate <= 0) {
            return 0;
        }
        long now = clock.getAsLong();
        TokenBucket b = buckets.computeIfAbsent(sourceIp, k -> new TokenBucket(rate, burst, now));
        synchronized (b) {
            return b.reserve(now, maxWaitNanos);
        }
    }

    /** Gives back a turn taken by {@link #reserve} that was not used (the connection was refused elsewhere). */
    public void cancel(String sourceIp) {
        if (rate <= 0) {
            return;
        }
        TokenBucket b = buckets.get(sourceIp);
        if (b != null) {
            synchronized (b) {
                b.giveBack(1);
            }
        }
    }

    /** Forgets the addresses whose bucket is full again. */
    public void sweep() {
        long now = clock.getAsLong();
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().isFull(now);
            }
        });
    }

    /** Addresses tracked now. */
    public int size() {
        return buckets.size();
    }
}
