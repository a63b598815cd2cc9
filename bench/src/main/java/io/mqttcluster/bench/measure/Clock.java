package io.mqttcluster.bench.measure;

import java.time.Instant;

/**
 * The time stamps in message payloads: wall-clock nanoseconds since the epoch, advanced by {@link System#nanoTime()}
 * from one anchor per process. Within one process differences are exact nanoTime differences; between processes on
 * one machine (a separate {@code pub} and {@code sub}) they are as good as the two anchors, typically a few
 * microseconds.
 */
public final class Clock {
    private static final long ANCHOR_NANO_TIME;
    private static final long ANCHOR_EPOCH_NANOS;

    static {
        Instant now = Instant.now();
        ANCHOR_NANO_TIME = System.nanoTime();
        ANCHOR_EPOCH_NANOS = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private Clock() {
    }

    /** Nanoseconds since the epoch, monotonic within this process. */
    public static long now() {
        return ANCHOR_EPOCH_NANOS + (System.nanoTime() - ANCHOR_NANO_TIME);
    }
}
