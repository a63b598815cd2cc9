package io.mqttcluster.gateway.config;

import io.mqttcluster.gateway.config.GatewayOptions.DnsNodeKey;
import io.mqttcluster.gateway.config.GatewayOptions.TlsClientAuth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

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

    /** The default of a key that has none: an empty string or list. */
    static final String NONE = "(none)";

    /**
     * One key: its name, its default as written in the README, what it means, and how a raw value (YAML,
     * environment, flag) is read. {@code parser} throws IllegalArgumentException on a bad value.
     *
     * @param initialValue the default as a value: {@code defaultValue} read by {@code parser} ("(none)" as empty)
     */
    public record Key<T>(String name, String defaultValue, String description, Function<Object, T> parser, T initialValue) {
        public String envName() {
            return ConfigKeys.envName(name);
        }
    }

    public static final Key<Integer> PORT = key("port", "1883",
            "MQTT (TCP) listening port; 0 picks a free port", ConfigKeys::asInt);
    public static final Key<String> BIND_ADDRESS = key("bind-address", "0.0.0.0",
            "address the MQTT listener binds to", ConfigKeys::asString);
    public static final Key<Integer> HTTP_PORT = key("http-port", "8090",
            "HTTP port of /metrics, /health/live, /health/ready, /nodes; 0 picks a free port", ConfigKeys::asInt);
    public static final Key<String> HTTP_BIND_ADDRESS = key("http-bind-address", "0.0.0.0",
            "address the HTTP listener binds to", ConfigKeys::asString);
    public static final Key<Integer> EVENT_LOOPS = key("event-loops", "0",
            "event loops (threads that carry the connections); 0 = one per CPU core", ConfigKeys::asInt);
    public static final Key<List<String>> NODES = key("nodes", NONE,
            "static nodes: list or comma-separated host[:mqttPort[:httpPort]]", ConfigKeys::asList);
    public static final Key<Integer> NODE_MQTT_PORT = key("node-mqtt-port", "1883",
            "MQTT port of DNS-discovered nodes and of static nodes given without one", ConfigKeys::asInt);
    public static final Key<Integer> NODE_HTTP_PORT = key("node-http-port", "0",
            "HTTP health port of DNS-discovered nodes and of static nodes given without one; 0 = TCP check",
            ConfigKeys::asInt);
    public static final Key<String> DNS_NAME = key("dns.name", NONE,
            "DNS name whose A records are the nodes (a Kubernetes headless Service)", ConfigKeys::asString);
    public static final Key<Duration> DNS_INTERVAL = key("dns.interval", "5s",
            "how often the DNS name is resolved again", ConfigKeys::asDuration);
    public static final Key<DnsNodeKey> DNS_NODE_KEY = key("dns.node-key", "ip",
            "hash key of a DNS-discovered node: ip (ip:port) or hostname (reverse-DNS name:port)",
            v -> asEnum(v, DnsNodeKey.class));
    public static final Key<Duration> HEALTH_INTERVAL = key("health.interval", "1s",
            "time between health checks of a node", ConfigKeys::asDuration);
    public static final Key<Duration> HEALTH_TIMEOUT = key("health.timeout", "2s",
            "timeout of one health check", ConfigKeys::asDuration);
    public static final Key<String> HEALTH_PATH = key("health.path", "/health/ready",
            "HTTP path checked on nodes with an HTTP port (200 = ready, 503 = not ready/draining)",
            ConfigKeys::asString);
    public static final Key<Integer> HEALTH_FALL = key("health.fall", "3",
            "consecutive failed checks that take a node out", ConfigKeys::asInt);
    public static final Key<Integer> HEALTH_RISE = key("health.rise", "2",
            "consecutive passed checks that bring a node back", ConfigKeys::asInt);
    public static final Key<Duration> HEALTH_CLOSE_AFTER = key("health.close-after", "10s",
            "how long a node stays down before its remaining client connections are closed; 0 = at once",
            ConfigKeys::asDuration);
    public static final Key<Boolean> PROXY_PROTOCOL = key("proxy-protocol", "false",
            "send a PROXY protocol v2 header to the node before the client's bytes", ConfigKeys::asBool);
    public static final Key<Boolean> TLS_ENABLED = key("tls.enabled", "false",
            "open the MQTT over TLS listener (tls.port); TLS ends here, the node gets plain MQTT", ConfigKeys::asBool);
    public static final Key<Integer> TLS_PORT = key("tls.port", "8883",
            "MQTT over TLS listening port; 0 picks a free port", ConfigKeys::asInt);
    public static final Key<String> TLS_CERT_FILE = key("tls.cert-file", NONE,
            "PEM certificate chain of the TLS listener", ConfigKeys::asString);
    public static final Key<String> TLS_KEY_FILE = key("tls.key-file", NONE,
            "PEM private key for tls.cert-file, unencrypted PKCS#8", ConfigKeys::asString);
    public static final Key<String> TLS_CA_FILE = key("tls.ca-file", NONE,
            "PEM CA certificates that client certificates must chain to", ConfigKeys::asString);
    public static final Key<TlsClientAuth> TLS_CLIENT_AUTH = key("tls.client-auth", "none",
            "none, optional or required: ask clients for a certificate; its CN goes to the node in the PROXY header",
            v -> asEnum(v, TlsClientAuth.class));
    public static final Key<Duration> TLS_RELOAD_INTERVAL = key("tls.reload-interval", "10s",
            "how often the certificate, key and CA files are checked for changes", ConfigKeys::asDuration);
    public static final Key<Duration> NODE_CONNECT_TIMEOUT = key("node.connect-timeout", "5s",
            "timeout of the TCP connect to a node", ConfigKeys::asDuration);
    public static final Key<Integer> NODE_MAX_ATTEMPTS = key("node.max-attempts", "3",
            "nodes tried, in rendezvous order, before the client is refused", ConfigKeys::asInt);
    public static final Key<Duration> CONNECT_TIMEOUT = key("connect.timeout", "10s",
            "deadline for the client's whole CONNECT packet to arrive", ConfigKeys::asDuration);
    public static final Key<Integer> CONNECT_MAX_SIZE = key("connect.max-size", "65536",
            "largest CONNECT packet accepted, in bytes", ConfigKeys::asInt);
    public static final Key<Integer> MAX_CONNECTIONS = key("limits.max-connections", "100000",
            "client connections open at once; more are refused", ConfigKeys::asInt);
    public static final Key<Double> ACCEPT_RATE = key("limits.accept-rate", "1000",
            "new connections per second per listener (token bucket); over it a connection waits for its turn, "
                    + "not read, instead of being closed; 0 = no limit", ConfigKeys::asDouble);
    public static final Key<Integer> ACCEPT_BURST = key("limits.accept-burst", "1000",
            "token bucket size of limits.accept-rate: connections let in at once before any waits", ConfigKeys::asInt);
    public static final Key<Duration> ACCEPT_MAX_WAIT = key("limits.accept-max-wait", "10s",
            "longest wait for a turn under limits.accept-rate or limits.rate-per-source; a connection that would wait "
                    + "longer is closed and counted; 0 = never wait (close at once)", ConfigKeys::asDuration);
    public static final Key<Double> RATE_PER_SOURCE = key("limits.rate-per-source", "0",
            "new connections per second per source IP (token bucket), waiting as for limits.accept-rate; 0 = no limit "
                    + "(a fleet behind one NAT address, a test rig)", ConfigKeys::asDouble);
    public static final Key<Integer> BURST_PER_SOURCE = key("limits.burst-per-source", "50",
            "token bucket size of limits.rate-per-source", ConfigKeys::asInt);
    public static final Key<Integer> FLAPPING_MAX_CONNECTS = key("limits.flapping.max-connects", "15",
            "CONNECTs with one client id let through per limits.flapping.window; one more bans the id for "
                    + "limits.flapping.ban (CONNACK 0x9F, 3.x: 0x03); 0 = off", ConfigKeys::asInt);
    public static final Key<Duration> FLAPPING_WINDOW = key("limits.flapping.window", "60s",
            "the window of limits.flapping.max-connects, from the first CONNECT counted", ConfigKeys::asDuration);
    public static final Key<Duration> FLAPPING_BAN = key("limits.flapping.ban", "60s",
            "how long a flapping client id is refused", ConfigKeys::asDuration);
    public static final Key<Integer> FLAPPING_MAX_CLIENT_IDS = key("limits.flapping.max-client-ids", "100000",
            "client ids tracked at once (about 150 bytes each); past it new ids go untracked until old entries expire",
            ConfigKeys::asInt);
    public static final Key<Duration> IDLE_TIMEOUT = key("limits.idle-timeout", "0",
            "close a client connection with no traffic either way for this long; 0 = off; must exceed 1.5 x the longest keepalive",
            ConfigKeys::asDuration);
    public static final Key<Double> DRAIN_RATE = key("drain.rate", "50",
            "connections per second moved away from draining (not-ready) nodes", ConfigKeys::asDouble);
    public static final Key<Boolean> REBALANCE_ENABLED = key("rebalance.enabled", "false",
            "after a node joins or comes back, move the clients whose hash now points to it", ConfigKeys::asBool);
    public static final Key<Double> REBALANCE_RATE = key("rebalance.rate", "20",
            "connections per second closed by a rebalance", ConfigKeys::asDouble);
    public static final Key<Integer> LOG_REJECTIONS_PER_SECOND = key("log.rejections-per-second", "10",
            "log lines per second for refused connections (the rest are counted only)", ConfigKeys::asInt);

    /** Every key, in documentation order. */
    public static final List<Key<?>> ALL = List.of(
            PORT, BIND_ADDRESS, HTTP_PORT, HTTP_BIND_ADDRESS, EVENT_LOOPS, NODES, NODE_MQTT_PORT, NODE_HTTP_PORT,
            DNS_NAME, DNS_INTERVAL, DNS_NODE_KEY, HEALTH_INTERVAL, HEALTH_TIMEOUT, HEALTH_PATH, HEALTH_FALL,
            HEALTH_RISE, HEALTH_CLOSE_AFTER, PROXY_PROTOCOL, TLS_ENABLED, TLS_PORT, TLS_CERT_FILE, TLS_KEY_FILE,
            TLS_CA_FILE, TLS_CLIENT_AUTH, TLS_RELOAD_INTERVAL, NODE_CONNECT_TIMEOUT, NODE_MAX_ATTEMPTS,
            CONNECT_TIMEOUT, CONNECT_MAX_SIZE, MAX_CONNECTIONS, ACCEPT_RATE, ACCEPT_BURST,
            ACCEPT_MAX_WAIT, RATE_PER_SOURCE, BURST_PER_SOURCE, FLAPPING_MAX_CONNECTS,
            FLAPPING_WINDOW, FLAPPING_BAN, FLAPPING_MAX_CLIENT_IDS, IDLE_TIMEOUT,
            DRAIN_RATE, REBALANCE_ENABLED, REBALANCE_RATE, LOG_REJECTIONS_PER_SECOND);

    private static <T> Key<T> key(String name, String defaultValue, String description, Function<Object, T> parser) {
        return new Key<>(name, defaultValue, description, parser, parser.apply(defaultValue.equals(NONE) ? "" : defaultValue));
    }

    private ConfigKeys() {
    }

    /** The environment variable for {@code key}: {@code GATEWAY_} + upper case, {@code .}/{@code -} to {@code _}. */
    public static String envName(String key) {
        return "GATEWAY_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public static Optional<Key<?>> find(String name) {
        for (Key<?> k : ALL) {
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
        Key<?> key = find(name).orElseThrow(() -> new ConfigException(name, "unknown key (from " + source + ")" + suggestion(name)));
        if (value == null) {
            throw new ConfigException(name, "no value (from " + source + ")");
        }
        try {
            set(options, key, value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, e.getMessage() + " (from " + source + ")");
        }
    }

    private static <T> void set(GatewayOptions options, Key<T> key, Object raw) {
        options.set(key, key.parser().apply(raw));
    }

    private static String suggestion(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Key<?> k : ALL) {
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
