package io.mqttcluster.bench.client;

/**
 * A pacing schedule: after {@link #start}, {@code rate * elapsed} permits are due; {@link #available} says how many
 * are due and not yet used. A backlog (the sender could not keep up) is caught up only up to {@code maxBurst}
 * permits; beyond that the schedule slips and the shortfall is counted in {@link #skipped()}, so the achieved
 * rate shows what the system under test could take. Computed from the start time, not from tick to tick, so the
 * rate does not drift with timer jitter. Not thread-safe: one owner thread.
 */
public final class RateLimiter {
    private final double ratePerSecond;
    private final long maxBurst;
    private long startNanos;
    private long issued;
    private long skipped;

    /**
     * @param ratePerSecond   permits per second, more than 0
     * @param maxBurstSeconds how much backlog (in seconds of rate) may be caught up at once; at least 1 permit
     */
    public RateLimiter(double ratePerSecond, double maxBurstSeconds) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + ratePerSecond);
        }
        this.ratePerSecond = ratePerSecond;
        this.maxBurst = Math.max(1, (long) Math.ceil(ratePerSecond * maxBurstSeconds));
    }

    public void start(long nowNanos) {
        startNanos = nowNanos;
        issued = 0;
        skipped = 0;
    }

    /** Permits due at {@code nowNanos} and not yet consumed (never more than the burst). */
    public long available(long nowNanos) {
        long due = (long) ((nowNanos - startNanos) * 1e-9 * ratePerSecond);
        long backlog = due - issued;
        if (backlog > maxBurst) {
            skipped += backlog - maxBurst;
            issued = due - maxBurst;
            backlog = maxBurst;
        }
        return Math.max(0, backlog);
    }

    /** Records that {@code n} permits were used. */
    public void consume(long n) {
        issued += n;
    }

    public double ratePerSecond() {
        return ratePerSecond;
    }

    public long issued() {
        return issued;
    }

    /** Permits given up because the sender fell more than a burst behind. */
    public long skipped() {
        return skipped;
    }
}
