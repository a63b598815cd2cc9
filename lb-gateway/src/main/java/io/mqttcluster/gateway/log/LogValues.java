package io.mqttcluster.gateway.log;

/**
 * Formats values for key=value log lines: plain when safe, else in double quotes with {@code "}
 * and {@code \} escaped and control characters as {@code \xNN}; long values are cut at 128
 * characters. Client ids come from the network, so they always go through {@link #quote}.
 * Pure; safe from any thread.
 */
public final class LogValues {
    private static final int MAX = 128;

    private LogValues() {
    }

    public static String quote(String value) {
        if (value == null) {
            return "-";
        }
        if (value.isEmpty()) {
            return "\"\"";
        }
        boolean plain = value.length() <= MAX;
        for (int i = 0; plain && i < value.length(); i++) {
            char c = value.charAt(i);
            plain = c > 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '=';
        }
        if (plain) {
            return value;
        }
        StringBuilder b = new StringBuilder(Math.min(value.length(), MAX) + 8).append('"');
        for (int i = 0; i < value.length() && i < MAX; i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7F) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (value.length() > MAX) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}
