package io.mqttcluster.bench.report;

import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;

/** Percentiles of a latency histogram (recorded in nanoseconds), in milliseconds. Immutable. */
public final class LatencySummary {
    public final long count;
    public final double mean;
    public final double p50;
    public final double p90;
    public final double p99;
    public final double p999;
    public final double max;

    private LatencySummary(long count, double mean, double p50, double p90, double p99, double p999, double max) {
        this.count = count;
        this.mean = mean;
        this.p50 = p50;
        this.p90 = p90;
        this.p99 = p99;
        this.p999 = p999;
        this.max = max;
    }

    public static LatencySummary of(Histogram h) {
        if (h == null || h.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(h.getTotalCount(), h.getMean() / 1e6,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6,
                h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count);
        m.put("mean", mean);
        m.put("p50", p50);
        m.put("p90", p90);
        m.put("p99", p99);
        m.put("p999", p999);
        m.put("max", max);
        return m;
    }
}
