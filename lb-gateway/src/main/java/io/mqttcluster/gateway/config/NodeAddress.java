package io.mqttcluster.gateway.config;

import java.util.Objects;

/**
 * Where a broker node is: its host, MQTT port and, when it has one, the port of its HTTP health
 * endpoint. Immutable.
 *
 * <p>{@link #key()} is the node's identity for hashing: {@code host:mqttPort} exactly as
 * configured (or as discovered), so every gateway replica with the same configuration agrees.
 *
 * @param host     host name or IP literal (IPv6 without brackets)
 * @param mqttPort MQTT port
 * @param httpPort HTTP port of {@code /health/ready}, or 0 when the node has none (TCP check)
 * @param key      identity used by the hash, {@code host:mqttPort} unless given otherwise
 */
public record NodeAddress(String host, int mqttPort, int httpPort, String key) {

    public NodeAddress {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(key, "key");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        checkPort(mqttPort, false);
        checkPort(httpPort, true);
    }

    public NodeAddress(String host, int mqttPort, int httpPort) {
        this(host, mqttPort, httpPort, keyOf(host, mqttPort));
    }

    /** {@code host:port}, with an IPv6 literal in brackets. */
    public static String keyOf(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Parses {@code host[:mqttPort[:httpPort]]} (IPv6 as {@code [addr]:port:httpPort}).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static NodeAddress parse(String text, int defaultMqttPort, int defaultHttpPort) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty node address");
        }
        String host;
        String rest;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '[' in node address '" + s + "'");
            }
            host = s.substring(1, close);
            rest = s.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw new IllegalArgumentException("expected ':' after ']' in node address '" + s + "'");
            }
            rest = rest.isEmpty() ? "" : rest.substring(1);
        } else {
            int colon = s.indexOf(':');
            host = colon < 0 ? s : s.substring(0, colon);
            rest = colon < 0 ? "" : s.substring(colon + 1);
        }
        int mqttPort = defaultMqttPort;
        int httpPort = defaultHttpPort;
        if (!rest.isEmpty()) {
            String[] parts = rest.split(":", -1);
            if (parts.length > 2) {
                throw new IllegalArgumentException("node address '" + s + "' is not host:mqttPort[:httpPort]");
            }
            mqttPort = port(parts[0], s);
            if (parts.length == 2) {
                httpPort = port(parts[1], s);
            }
        }
        if (mqttPort == 0) {
            throw new IllegalArgumentException("node address '" + s + "' has MQTT port 0");
        }
        return new NodeAddress(host, mqttPort, httpPort);
    }

    private static int port(String p, String whole) {
        try {
            int v = Integer.parseInt(p);
            checkPort(v, true);
            return v;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad port '" + p + "' in node address '" + whole + "'");
        }
    }

    private static void checkPort(int port, boolean zeroAllowed) {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    @Override
    public String toString() {
        return key;
    }
}
