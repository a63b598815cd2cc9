package io.mqttcluster.faults.check;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How the checker writes run times: milliseconds since the run began, and wall-clock UTC when it knows the start. */
public final class Times {

    private static final DateTimeFormatter WALL = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private final long startWallMillis;

    public Times(long startWallMillis) {
        this.startWallMillis = startWallMillis;
    }

    /** {@code 12345.7ms} style, plus {@code (12:34:56.789Z)} when the wall-clock start is known. */
    public String ms(long micros) {
        if (micros < 0) {
            return "never";
        }
        String rel = String.format(java.util.Locale.ROOT, "%.1fms", micros / 1000.0);
        if (startWallMillis <= 0) {
            return rel;
        }
        return rel + "(" + WALL.format(Instant.ofEpochMilli(startWallMillis + micros / 1000)) + "Z)";
    }
}
