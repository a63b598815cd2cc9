package io.mqttcluster.gateway.fuzz;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the inputs each fuzz property fed to its parser, and the time it took, and prints one line per parser when
 * a test class ends ({@code fuzz-stats parser=... inputs=... seconds=...}): scripts/fuzz.sh collects those lines.
 */
public final class FuzzStats {

    private static final Map<String, LongAdder> INPUTS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> FIRST_NANOS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> LAST_NANOS = new ConcurrentHashMap<>();

    private FuzzStats() {
    }

    /** One input fed to {@code parser}. */
    public static void count(String parser) {
        long now = System.nanoTime();
        INPUTS.computeIfAbsent(parser, p -> new LongAdder()).increment();
        FIRST_NANOS.computeIfAbsent(parser, p -> new AtomicLong(now));
        LAST_NANOS.computeIfAbsent(parser, p -> new AtomicLong()).set(now);
    }

    /** Prints and forgets the counts so far. */
    public static void print() {
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(INPUTS).entrySet()) {
            long nanos = LAST_NANOS.get(e.getKey()).get() - FIRST_NANOS.get(e.getKey()).get();
            System.out.printf("fuzz-stats parser=%s inputs=%d seconds=%.1f%n", e.getKey(), e.getValue().sum(), nanos / 1e9);
        }
        INPUTS.clear();
        FIRST_NANOS.clear();
        LAST_NANOS.clear();
    }
}
