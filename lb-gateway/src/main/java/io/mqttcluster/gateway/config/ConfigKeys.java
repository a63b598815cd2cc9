package io.mqttcluster.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The table of configuration keys: name, default, meaning, and how a raw value (from YAML, an
 * environment variable or a flag) is read into {@link GatewayOptions}. The README's key table is
 * this list. Immutable; safe from any thread.
 *
 * <p>Environment variables: {@code GATEWAY_} followed by the key in upper case with every
 * {@code .} and {@code -} replaced by {@code _}; e.g. {@code limits.max-connections} is
 * {@code GATEWAY_LIMITS_MAX_CONNECTIONS}. {@link #envName(String)} is that rule.
 */
public final class ConfigKeys {

    /** One key. {@code apply} throws IllegalArgumentException on a bad value. */
    public record Key(String name, String defaultValue, String description, BiConsumer<GatewayOptions, Object> apply) {
        public String envName() {
            return ConfigKeys.envName(name);
        }
    }

    /** Every key, in documentation order. */
    public static final List<Key> ALL = List.of(
            new Key("port", "1883", "MQTT (TCP) listening port; 0 picks a free port",
                    (o, v) -> o.setPort(asInt(v))),
            new Key("bind-address", "0.0.0.0", "address the MQTT listener binds to",
                    (o, v) -> o.setBindAddress(asString(v))),
            new Key("http-port", "8090", "HTTP port of /metrics, /health/live, /health/ready, /nodes; 0 picks a free port",
                    (o, v) -> o.setHttpPort(asInt(v))),
            new Key("http-bind-address", "0.0.0.0", "address the HTTP listener binds to",
                    (o, v) -> o.setHttpBindAddress(asString(v))),
            new Key("event-loops", "0", "event loops (threads that carry the connections); 0 = one per CPU core",
                    (o, v) -> o.setEventLoops(asInt(v))),
            new Key("nodes", "(none)", "static nodes: list or comma-separated host[:mqttPort[:httpPort]]",
                    (o, v) -> o.setNodes(asList(v))),
            new Key("node-mqtt-port", "1883", "MQTT port of DNS-discovered nodes and of static nodes given without one",
                    (o, v) -> o.setNodeMqttPort(asInt(v))),
            new Key("node-http-port", "0", "HTTP health port of DNS-discovered nodes and of static nodes given without one; 0 = TCP check",
                    (o, v) -> o.setNodeHttpPort(asInt(v))),
            new Key("dns.name", "(none)", "DNS name whose A records are the nodes (a Kubernetes headless Service)",
                    (o, v) -> o.setDnsName(asString(v))),
            new Key("dns.interval", "5s", "how often the DNS name is resolved again",
                    (o, v) -> o.setDnsInterval(asDuration(v))),
            new Key("dns.node-key", "ip", "hash key of a DNS-discovered node: ip (ip:port) or hostname (reverse-DNS name:port)",
                    (o, v) -> o.setDnsNodeKey(asEnum(v, GatewayOptions.DnsNodeKey.class))),
            new Key("health.interval", "1s", "time between health checks of a node",
                    (o, v) -> o.setHealthInterval(asDuration(v))),
            new Key("health.timeout", "2s", "timeout of one health check",
                    (o, v) -> o.setHealthTimeout(asDuration(v))),
            new Key("health.path", "/health/ready", "HTTP path checked on nodes with an HTTP port (200 = ready, 503 = not ready/draining)",
                    (o, v) -> o.setHealthPath(asString(v))),
            new Key("health.fall", "3", "consecutive failed checks that take a node out",
                    (o, v) -> o.setHealthFall(asInt(v))),
            new Key("health.rise", "2", "consecutive passed checks that bring a node back",
                    (o, v) -> o.setHealthRise(asInt(v))),
            new Key("health.close-after", "10s", "how long a node stays down before its remaining client connections are closed; 0 = at once",
                    (o, v) -> o.setHealthCloseAfter(asDuration(v))),
            new Key("proxy-protocol", "false", "send a PROXY protocol v2 header to the node before the client's bytes",
                    (o, v) -> o.setProxyProtocol(asBool(v))),
            new Key("tls.enabled", "false", "open the MQTT over TLS listener (tls.port); TLS ends here, the node gets plain MQTT",
                    (o, v) -> o.setTlsEnabled(asBool(v))),
            new Key("tls.port", "8883", "MQTT over TLS listening port; 0 picks a free port",
                    (o, v) -> o.setTlsPort(asInt(v))),
            new Key("tls.cert-file", "(none)", "PEM certificate chain of the TLS listener",
                    (o, v) -> o.setTlsCertFile(asString(v))),
            new Key("tls.key-file", "(none)", "PEM private key for tls.cert-file, unencrypted PKCS#8",
                    (o, v) -> o.setTlsKeyFile(asString(v))),
            new Key("tls.ca-file", "(none)", "PEM CA certificates that client certificates must chain to",
                    (o, v) -> o.setTlsCaFile(asString(v))),
            new Key("tls.client-auth", "none", "none, optional or required: ask clients for a certificate; its CN goes to the node in the PROXY header",
                    (o, v) -> o.setTlsClientAuth(asEnum(v, GatewayOptions.TlsClientAuth.class))),
            new Key("tls.reload-interval", "10s", "how often the certificate, key and CA files are checked for changes",
                    (o, v) -> o.setTlsReloadInterval(asDuration(v))),
            new Key("node.connect-timeout", "5s", "timeout of the TCP connect to a node",
                    (o, v) -> o.setNodeConnectTimeout(asDuration(v))),
            new Key("node.max-attempts", "3", "nodes tried, in rendezvous order, before the client is refused",
                    (o, v) -> o.setNodeMaxAttempts(asInt(v))),
            new Key("connect.timeout", "10s", "deadline for the client's whole CONNECT packet to arrive",
                    (o, v) -> o.setConnectTimeout(asDuration(v))),
            new Key("connect.max-size", "65536", "largest CONNECT packet accepted, in bytes",
                    (o, v) -> o.setConnectMaxSize(asInt(v))),
            new Key("limits.max-connections", "100000", "client connections open at once; more are refused",
                    (o, v) -> o.setMaxConnections(asInt(v))),
            new Key("limits.rate-per-source", "20", "new connections per second per source IP (token bucket); 0 = no limit",
                    (o, v) -> o.setRatePerSource(asDouble(v))),
            new Key("limits.burst-per-source", "50", "token bucket size of limits.rate-per-source",
                    (o, v) -> o.setBurstPerSource(asInt(v))),
            new Key("limits.idle-timeout", "0", "close a client connection with no traffic either way for this long; 0 = off; must exceed 1.5 x the longest keepalive",
                    (o, v) -> o.setIdleTimeout(asDuration(v))),
            new Key("drain.rate", "50", "connections per second moved away from draining (not-ready) nodes",
                    (o, v) -> o.setDrainRate(asDouble(v))),
            new Key("rebalance.enabled", "false", "after a node joins or comes back, move the clients whose hash now points to it",
                    (o, v) -> o.setRebalanceEnabled(asBool(v))),
            new Key("rebalance.rate", "20", "connections per second closed by a rebalance",
                    (o, v) -> o.setRebalanceRate(asDouble(v))),
            new Key("log.rejections-per-second", "10", "log lines per second for refused connections (the rest are counted only)",
                    (o, v) -> o.setLogRejectionsPerSecond(asInt(v))));

    private ConfigKeys() {
    }

    /** The environment variable for {@code key}: {@code GATEWAY_} + upper case, {@code .}/{@code -} to {@code _}. */
    public static String envName(String key) {
        return "GATEWAY_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public static Optional<Key> find(String name) {
        for (Key k : ALL) {
            if (k.name.equals(name)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /**
     * Applies one raw value.
     *
     * @param source where it came from, for the message: e.g. "file gateway.yaml"
     * @throws ConfigException naming the key when it is unknown or its value invalid
     */
    public static void apply(GatewayOptions options, String name, Object value, String source) {
        Key key = find(name).orElseThrow(() -> new ConfigException(name, "unknown key (from " + source + ")" + suggestion(name)));
        if (value == null) {
            throw new ConfigException(name, "no value (from " + source + ")");
        }
        try {
            key.apply.accept(options, value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, e.getMessage() + " (from " + source + ")");
        }
    }

    private static String suggestion(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Key k : ALL) {
            int d = distance(name, k.name);
            if (d < bestDistance) {
                bestDistance = d;
                best = k.name;
            }
        }
        return best != null && bestDistance <= 3 ? "; did you mean '" + best + "'?" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    static int asInt(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short) {
            long l = ((Number) v).longValue();
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("number out of range: " + v);
            }
            return (int) l;
        }
        if (v instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer, got '" + s + "'");
            }
        }
        throw new IllegalArgumentException("expected an integer, got " + describe(v));
    }

    static double asDouble(Object v) {
        if (v instanceof Number n && !(v instanceof java.math.BigInteger)) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a number, got '" + s + "'");
            }
        }
        throw new IllegalArgumentException("expected a number, got " + describe(v));
    }

    static boolean asBool(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (t.equals("true")) {
                return true;
            }
            if (t.equals("false")) {
                return false;
            }
        }
        throw new IllegalArgumentException("expected true or false, got " + describe(v));
    }

    static Duration asDuration(Object v) {
        if (v instanceof Number n && n.longValue() == 0 && !(v instanceof Double)) {
            return Duration.ZERO;
        }
        if (v instanceof String s) {
            return Durations.parse(s);
        }
        throw new IllegalArgumentException("expected a duration like 10s or 500ms, got " + describe(v));
    }

    static String asString(Object v) {
        if (v instanceof String s) {
            return s.trim();
        }
        throw new IllegalArgumentException("expected a string, got " + describe(v));
    }

    static List<String> asList(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object item : list) {
                if (!(item instanceof String s)) {
                    throw new IllegalArgumentException("expected a list of strings, got an item " + describe(item));
                }
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
            return out;
        }
        if (v instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
            return out;
        }
        throw new IllegalArgumentException("expected a list or a comma-separated string, got " + describe(v));
    }

    static <E extends Enum<E>> E asEnum(Object v, Class<E> type) {
        String s = asString(v);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(s)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException("expected one of " + names + ", got '" + s + "'");
    }

    private static String describe(Object v) {
        return v == null ? "nothing" : v.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " '" + v + "'";
    }
}
