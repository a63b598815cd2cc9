package io.mqttcluster.gateway.proxy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * New-connection rate limit per source IP: one {@link TokenBucket} per address (rate per second,
 * burst). Shared by every event loop: the map is concurrent and each bucket is used under its own
 * lock. Buckets that have refilled are dropped by {@link #sweep()} (control event loop), so the
 * map holds only addresses seen recently.
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

    /** True when {@code sourceIp} may open one more connection now. */
    public boolean allow(String sourceIp) {
        if (rate <= 0) {
            return true;
        }
        long now = clock.getAsLong();
        TokenBucket b = buckets.computeIfAbsent(sourceIp, k -> new TokenBucket(rate, burst, now));
        synchronized (b) {
            return b.tryTake(now);
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
