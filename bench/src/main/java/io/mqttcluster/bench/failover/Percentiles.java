package io.mqttcluster.bench.failover;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The percentiles the failover probes print, each kept as its program first computed it, so that numbers stay
 * comparable with those measured before: {@link #summary} picks by index into the sorted values, {@link #nearestRank}
 * is the nearest-rank definition.
 */
public final class Percentiles {
    private Percentiles() {
    }

    /**
     * {@code n=.. p50=.. p90=.. p99=.. max=..} in whole milliseconds, or {@code none}; p50 is the value at index n/2,
     * p90 at (int) (0.9 n), p99 at (int) (0.99 n) (at most the last). Sorts {@code millis} in place.
     */
    public static String summary(List<Double> millis) {
        if (millis.isEmpty()) {
            return "none";
        }
        Collections.sort(millis);
        int n = millis.size();
        return String.format(Locale.ROOT, "n=%d p50=%.0f p90=%.0f p99=%.0f max=%.0f", n, millis.get(n / 2),
                millis.get((int) (n * 0.9)), millis.get(Math.min(n - 1, (int) (n * 0.99))), millis.get(n - 1));
    }

    /** The nearest-rank percentile {@code p} (1-100): the smallest value with at least p% of the values at or below it. */
    public static double nearestRank(List<Double> values, int p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
