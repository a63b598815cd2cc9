package io.mqttcluster.gateway.proxy;

/**
 * A token bucket: {@code rate} tokens per second, holding at most {@code capacity}. Time is passed
 * in (nanoseconds), so it is tested without clocks. Not thread-safe: the owner synchronizes.
 *
 * <p>{@link #reserve} lets a taker queue: it takes a token that has not arrived yet (the bucket goes below
 * zero) and is told how long to wait for it; the next taker waits one token longer. So waiting takers are
 * served in order at the bucket's rate, and none needs a timer of the bucket's own.
 */
public final class TokenBucket {
    private final double ratePerNano;
    private final double capacity;
    private double tokens;
    private long last;

    /** Starts full. */
    public TokenBucket(double ratePerSecond, double capacity, long nowNanos) {
        if (ratePerSecond <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("rate and capacity must be positive");
        }
        this.ratePerNano = ratePerSecond / 1e9;
        this.capacity = capacity;
        this.tokens = capacity;
        this.last = nowNanos;
    }

    /** Takes one token if there is one. */
    public boolean tryTake(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /**
     * Takes one token, now or in the future: returns 0 when one is there, else how many nanoseconds until the token
     * taken is due (the bucket owes it). Takes nothing and returns -1 when that wait would exceed {@code maxWaitNanos}.
     */
    public long reserve(long nowNanos, long maxWaitNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        long wait = waitFor(1);
        if (wait > maxWaitNanos) {
            return -1;
        }
        tokens -= 1;
        return wait;
    }

    /** How long a taker that {@link #reserve reserves} now would wait, in nanoseconds; 0 when a token is there. */
    public long currentWait(long nowNanos) {
        refill(nowNanos);
        return tokens >= 1 ? 0 : waitFor(1);
    }

    private long waitFor(double wanted) {
        return (long) Math.ceil((wanted - tokens) / ratePerNano);
    }

    /** Takes up to {@code wanted} whole tokens; returns how many. */
    public int takeUpTo(int wanted, long nowNanos) {
        refill(nowNanos);
        int n = (int) Math.min(wanted, Math.floor(tokens));
        tokens -= n;
        return n;
    }

    /** Gives back tokens taken but not used (never above capacity). */
    public void giveBack(int n) {
        tokens = Math.min(capacity, tokens + n);
    }

    /** True when the bucket has refilled completely: its owner may forget it. */
    public boolean isFull(long nowNanos) {
        refill(nowNanos);
        return tokens >= capacity;
    }

    private void refill(long now) {
        long elapsed = now - last;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * ratePerNano);
            last = now;
        }
    }
}
