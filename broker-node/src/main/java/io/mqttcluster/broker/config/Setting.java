package io.mqttcluster.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One configuration key: its name, default, description and how its text is parsed and checked. The
 * list of settings in {@link BrokerConfig#SETTINGS} is the single source for parsing, validation, the
 * environment variable names and the reference table in docs/configuration.md.
 *
 * @param key          dotted YAML path, e.g. {@code mqtt.port}
 * @param defaultValue the default as text (what a user would write)
 * @param description  one line for the reference
 * @param parser       text to value; throws IllegalArgumentException with a short reason
 */
public record Setting(String key, String defaultValue, String description, Function<String, Object> parser) {

    /** The environment variable that overrides this key: {@code MQTTC_} + key in upper case, '.' and '-' as '_'. */
    public String envName() {
        return "MQTTC_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public Object parse(String text) {
        try {
            return parser.apply(text.trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage() + " (got '" + text + "')");
        }
    }

    static Setting intRange(String key, int def, int min, int max, String description) {
        return new Setting(key, String.valueOf(def), description, s -> {
            int v;
            try {
                v = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a whole number");
            }
            if (v < min || v > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return v;
        });
    }

    static Setting port(String key, int def, String description) {
        return intRange(key, def, 0, 65_535, description);
    }

    static Setting bool(String key, boolean def, String description) {
        return new Setting(key, String.valueOf(def), description, s -> switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> Boolean.TRUE;
            case "false", "no", "off" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("must be true or false");
        });
    }

    static Setting text(String key, String def, String description) {
        return new Setting(key, def, description, s -> s);
    }

    static Setting oneOf(String key, String def, List<String> allowed, String description) {
        return new Setting(key, def, description + " (" + String.join(", ", allowed) + ")", s -> {
            if (!allowed.contains(s)) {
                throw new IllegalArgumentException("must be one of " + allowed);
            }
            return s;
        });
    }

    /** A duration like {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}, {@code 1d}; a bare number is seconds. */
    static Setting duration(String key, String def, long minMillis, String description) {
        return new Setting(key, def, description, s -> {
            long millis = parseDurationMillis(s);
            if (millis < minMillis) {
                throw new IllegalArgumentException("must be at least " + minMillis + "ms");
            }
            return millis;
        });
    }

    static Setting size(String key, String def, long min, long max, String description) {
        return new Setting(key, def, description, s -> {
            long v = parseSize(s);
            if (v < min || v > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max + " bytes");
            }
            return v;
        });
    }

    static Setting hostPortList(String key, String description) {
        return new Setting(key, "", description, s -> {
            List<String> out = new ArrayList<>();
            for (String part : s.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                int colon = p.lastIndexOf(':');
                if (colon <= 0 || colon == p.length() - 1) {
                    throw new IllegalArgumentException("each entry must be host:port");
                }
                try {
                    int port = Integer.parseInt(p.substring(colon + 1));
                    if (port < 1 || port > 65_535) {
                        throw new IllegalArgumentException("port out of range in " + p);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("port is not a number in " + p);
                }
                out.add(p);
            }
            return List.copyOf(out);
        });
    }

    public static long parseDurationMillis(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long unit = 1000;
        String number = t;
        if (t.endsWith("ms")) {
            unit = 1;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60_000;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            unit = 3_600_000;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("d")) {
            unit = 86_400_000;
            number = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(number.trim());
            if (v < 0) {
                throw new IllegalArgumentException("must not be negative");
            }
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("must be a duration like 500ms, 10s, 5m, 2h or 1d");
        }
    }

    static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("KB") || t.endsWith("KIB")) {
            unit = 1024;
        } else if (t.endsWith("MB") || t.endsWith("MIB")) {
            unit = 1024 * 1024;
        } else if (t.endsWith("B")) {
            unit = 1;
        }
        String number = t.replaceAll("[A-Z]+$", "");
        try {
            return Math.multiplyExact(Long.parseLong(number.trim()), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("must be a size like 1048576, 256KB or 1MB");
        }
    }
}
