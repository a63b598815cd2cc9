package io.mqttcluster.faults;

import java.util.function.BooleanSupplier;

/** Bounded waits of the harness's own phases (main code: the run is paced by wall-clock time, not by tests). */
final class Waits {

    private Waits() {
    }

    /** Polls {@code condition} every {@code pollMillis} until it holds or {@code deadlineNanos}; returns whether it held. */
    static boolean until(BooleanSupplier condition, long deadlineNanos, long pollMillis) throws InterruptedException {
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() >= deadlineNanos) {
                return false;
            }
            Thread.sleep(pollMillis);
        }
    }

    static long in(long millis) {
        return System.nanoTime() + millis * 1_000_000L;
    }

    static long min(long a, long b) {
        return Math.min(a, b);
    }
}
