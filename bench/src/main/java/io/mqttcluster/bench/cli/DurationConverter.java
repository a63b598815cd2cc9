package io.mqttcluster.bench.cli;

import picocli.CommandLine;

import java.time.Duration;

/** Parses durations like {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h} or a plain number of seconds. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
            }
            if (v.endsWith("s")) {
                return ofSeconds(v.substring(0, v.length() - 1));
            }
            if (v.endsWith("m")) {
                return ofSeconds(v.substring(0, v.length() - 1)).multipliedBy(60);
            }
            if (v.endsWith("h")) {
                return ofSeconds(v.substring(0, v.length() - 1)).multipliedBy(3600);
            }
            return ofSeconds(v);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (use e.g. 10s, 500ms, 2m)");
        }
    }

    private static Duration ofSeconds(String number) {
        double seconds = Double.parseDouble(number.trim());
        if (seconds < 0) {
            throw new NumberFormatException("negative");
        }
        return Duration.ofNanos((long) (seconds * 1e9));
    }
}
