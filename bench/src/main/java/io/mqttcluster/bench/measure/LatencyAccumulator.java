package io.mqttcluster.bench.measure;

import org.HdrHistogram.Histogram;

/**
 * Collects the interval histograms of a {@link RunStats} into totals. The only reader of the recorders, so that the
 * progress line and the final result see every value once. Thread-safe (synchronized; called about once a second).
 */
public final class LatencyAccumulator {
    private final RunStats stats;
    private final Histogram latency = newHistogram();
    private final Histogram ack = newHistogram();
    private final Histogram connect = newHistogram();
    private Histogram lastWarmupInterval = newHistogram();

    public LatencyAccumulator(RunStats stats) {
        this.stats = stats;
    }

    private static Histogram newHistogram() {
        return new Histogram(1_000L, RunStats.MAX_LATENCY_NANOS, 3);
    }

    /** Moves everything recorded since the last poll into the totals. */
    public synchronized void poll() {
        latency.add(stats.latencyInterval(null));
        lastWarmupInterval = stats.warmupLatencyInterval(null);
        ack.add(stats.ackLatencyInterval(null));
        connect.add(stats.connectLatencyInterval(null));
    }

    /** p99 so far in ms: of the measurement window once it has values, else of the last warm-up interval. */
    public synchronized double p99SoFarMillis() {
        if (latency.getTotalCount() > 0) {
            return latency.getValueAtPercentile(99) / 1e6;
        }
        if (lastWarmupInterval.getTotalCount() > 0) {
            return lastWarmupInterval.getValueAtPercentile(99) / 1e6;
        }
        return Double.NaN;
    }

    public synchronized Histogram latency() {
        return latency.copy();
    }

    public synchronized Histogram ackLatency() {
        return ack.copy();
    }

    public synchronized Histogram connectLatency() {
        return connect.copy();
    }
}
