package io.mqttcluster.gateway.config;

import static io.mqttcluster.gateway.config.ConfigKeys.*;

import io.mqttcluster.gateway.config.ConfigKeys.Key;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of the gateway; {@link #validate()} checks them all in one place and names the key at fault.
 * The keys, their defaults and how raw values are read are the table in {@link ConfigKeys}, the only place a
 * default is written: a new {@code GatewayOptions} holds every key's default. Config keys (YAML, environment,
 * flags) are applied by {@link ConfigKeys#apply}; tests may build one directly with the setters.
 *
 * <p>Mutable while being built, on one thread; treat it as read-only once handed to a
 * {@code Gateway}.
 */
public final class GatewayOptions {

    /** Whether TLS clients must, may or need not present a certificate. */
    public enum TlsClientAuth { NONE, OPTIONAL, REQUIRED }

    /** How nodes found by DNS are keyed for hashing. */
    public enum DnsNodeKey {
        /** {@code ip:mqttPort}: stable while pods keep their addresses. */
        IP,
        /** {@code reverse-DNS-name:mqttPort}: stable across pod restarts for StatefulSet pods. */
        HOSTNAME
    }

    /** Key to value; every key of {@link ConfigKeys#ALL} is present. */
    private final Map<Key<?>, Object> values = new IdentityHashMap<>();

    public GatewayOptions() {
        for (Key<?> key : ALL) {
            values.put(key, key.initialValue());
        }
    }

    @SuppressWarnings("unchecked")
    <T> T get(Key<T> key) {
        return (T) values.get(key);
    }

    <T> GatewayOptions set(Key<T> key, T value) {
        values.put(key, value);
        return this;
    }

    /**
     * Checks every value.
     *
     * @throws ConfigException naming the first key at fault
     */
    public GatewayOptions validate() {
        port(PORT);
        port(HTTP_PORT);
        nonEmpty(BIND_ADDRESS);
        nonEmpty(HTTP_BIND_ADDRESS);
        atLeast(EVENT_LOOPS, 0);
        port(NODE_MQTT_PORT);
        if (nodeMqttPort() == 0) {
            throw new ConfigException(NODE_MQTT_PORT.name(), "must be between 1 and 65535");
        }
        port(NODE_HTTP_PORT);
        staticNodes();
        if (nodes().isEmpty() && dnsName().isBlank()) {
            throw new ConfigException(NODES.name(), "no nodes configured: set nodes (host:port[:httpPort],...) or dns.name");
        }
        positive(DNS_INTERVAL);
        positive(HEALTH_INTERVAL);
        positive(HEALTH_TIMEOUT);
        if (!healthPath().startsWith("/")) {
            throw new ConfigException(HEALTH_PATH.name(), "must start with '/': '" + healthPath() + "'");
        }
        atLeast(HEALTH_FALL, 1);
        atLeast(HEALTH_RISE, 1);
        if (healthCloseAfter().isNegative()) {
            throw new ConfigException(HEALTH_CLOSE_AFTER.name(), "must not be negative");
        }
        positive(NODE_CONNECT_TIMEOUT);
        atLeast(NODE_MAX_ATTEMPTS, 1);
        positive(CONNECT_TIMEOUT);
        atLeast(CONNECT_MAX_SIZE, 16);
        atLeast(MAX_CONNECTIONS, 1);
        rate(ACCEPT_RATE);
        atLeast(ACCEPT_BURST, 1);
        if (acceptMaxWait().isNegative()) {
            throw new ConfigException(ACCEPT_MAX_WAIT.name(), "must not be negative");
        }
        rate(RATE_PER_SOURCE);
        atLeast(BURST_PER_SOURCE, 1);
        atLeast(FLAPPING_MAX_CONNECTS, 0);
        if (flappingMaxConnects() > 0) {
            positive(FLAPPING_WINDOW);
            positive(FLAPPING_BAN);
            atLeast(FLAPPING_MAX_CLIENT_IDS, 1);
        }
        if (idleTimeout().isNegative()) {
            throw new ConfigException(IDLE_TIMEOUT.name(), "must not be negative");
        }
        if (!idleTimeout().isZero() && idleTimeout().toMillis() < 1000) {
            throw new ConfigException(IDLE_TIMEOUT.name(),
                    "must be 0 (off) or at least 1s, and above 1.5 x the longest client keepalive");
        }
        rate(DRAIN_RATE);
        if (drainRate() == 0) {
            throw new ConfigException(DRAIN_RATE.name(), "must be above 0");
        }
        rate(REBALANCE_RATE);
        if (rebalanceRate() == 0) {
            throw new ConfigException(REBALANCE_RATE.name(), "must be above 0");
        }
        atLeast(LOG_REJECTIONS_PER_SECOND, 0);
        if (tlsEnabled()) {
            port(TLS_PORT);
            nonEmpty(TLS_CERT_FILE);
            nonEmpty(TLS_KEY_FILE);
            if (tlsClientAuth() != TlsClientAuth.NONE) {
                nonEmpty(TLS_CA_FILE);
            }
            if (tlsClientAuth() != TlsClientAuth.NONE && !proxyProtocol()) {
                throw new ConfigException(PROXY_PROTOCOL.name(),
                        "must be true with tls.client-auth: the client's certificate name reaches the node in the PROXY header");
            }
            positive(TLS_RELOAD_INTERVAL);
        }
        return this;
    }

    /**
     * The static node list, parsed with {@link #nodeMqttPort()} and {@link #nodeHttpPort()} as
     * defaults for missing ports.
     *
     * @throws ConfigException (key {@code nodes}) when an entry is not {@code host[:port[:httpPort]]}
     */
    public List<NodeAddress> staticNodes() {
        List<NodeAddress> out = new ArrayList<>(nodes().size());
        for (String spec : nodes()) {
            NodeAddress a;
            try {
                a = NodeAddress.parse(spec, nodeMqttPort(), nodeHttpPort());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(NODES.name(), e.getMessage());
            }
            for (NodeAddress other : out) {
                if (other.key().equals(a.key())) {
                    throw new ConfigException(NODES.name(), "node " + a.key() + " listed twice");
                }
            }
            out.add(a);
        }
        return out;
    }

    private void port(Key<Integer> key) {
        int v = get(key);
        if (v < 0 || v > 65535) {
            throw new ConfigException(key.name(), "must be a port between 0 and 65535, got " + v);
        }
    }

    private void nonEmpty(Key<String> key) {
        String v = get(key);
        if (v == null || v.isBlank()) {
            throw new ConfigException(key.name(), "must not be empty");
        }
    }

    private void atLeast(Key<Integer> key, long min) {
        long v = get(key);
        if (v < min) {
            throw new ConfigException(key.name(), "must be at least " + min + ", got " + v);
        }
    }

    private void positive(Key<Duration> key) {
        Duration d = get(key);
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigException(key.name(), "must be a positive duration like 10s or 500ms");
        }
    }

    private void rate(Key<Double> key) {
        double v = get(key);
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new ConfigException(key.name(), "must be a number of at least 0, got " + v);
        }
    }

    // One getter and one setter per key, in the table's order.

    public int port() { return get(PORT); }
    public GatewayOptions setPort(int v) { return set(PORT, v); }
    public String bindAddress() { return get(BIND_ADDRESS); }
    public GatewayOptions setBindAddress(String v) { return set(BIND_ADDRESS, v); }
    public int httpPort() { return get(HTTP_PORT); }
    public GatewayOptions setHttpPort(int v) { return set(HTTP_PORT, v); }
    public String httpBindAddress() { return get(HTTP_BIND_ADDRESS); }
    public GatewayOptions setHttpBindAddress(String v) { return set(HTTP_BIND_ADDRESS, v); }
    public int eventLoops() { return get(EVENT_LOOPS); }
    public GatewayOptions setEventLoops(int v) { return set(EVENT_LOOPS, v); }
    /** Static nodes as {@code host[:mqttPort[:httpPort]]} strings. */
    public List<String> nodes() { return List.copyOf(get(NODES)); }
    public GatewayOptions setNodes(List<String> v) { return set(NODES, new ArrayList<>(v)); }
    public int nodeMqttPort() { return get(NODE_MQTT_PORT); }
    public GatewayOptions setNodeMqttPort(int v) { return set(NODE_MQTT_PORT, v); }
    public int nodeHttpPort() { return get(NODE_HTTP_PORT); }
    public GatewayOptions setNodeHttpPort(int v) { return set(NODE_HTTP_PORT, v); }
    public String dnsName() { return get(DNS_NAME); }
    public GatewayOptions setDnsName(String v) { return set(DNS_NAME, v == null ? "" : v); }
    public Duration dnsInterval() { return get(DNS_INTERVAL); }
    public GatewayOptions setDnsInterval(Duration v) { return set(DNS_INTERVAL, v); }
    public DnsNodeKey dnsNodeKey() { return get(DNS_NODE_KEY); }
    public GatewayOptions setDnsNodeKey(DnsNodeKey v) { return set(DNS_NODE_KEY, v); }
    public Duration healthInterval() { return get(HEALTH_INTERVAL); }
    public GatewayOptions setHealthInterval(Duration v) { return set(HEALTH_INTERVAL, v); }
    public Duration healthTimeout() { return get(HEALTH_TIMEOUT); }
    public GatewayOptions setHealthTimeout(Duration v) { return set(HEALTH_TIMEOUT, v); }
    public String healthPath() { return get(HEALTH_PATH); }
    public GatewayOptions setHealthPath(String v) { return set(HEALTH_PATH, v); }
    public int healthFall() { return get(HEALTH_FALL); }
    public GatewayOptions setHealthFall(int v) { return set(HEALTH_FALL, v); }
    public int healthRise() { return get(HEALTH_RISE); }
    public GatewayOptions setHealthRise(int v) { return set(HEALTH_RISE, v); }
    /** How long a node stays down before the connections it still has are closed; zero = at once. */
    public Duration healthCloseAfter() { return get(HEALTH_CLOSE_AFTER); }
    public GatewayOptions setHealthCloseAfter(Duration v) { return set(HEALTH_CLOSE_AFTER, v); }
    public boolean proxyProtocol() { return get(PROXY_PROTOCOL); }
    public GatewayOptions setProxyProtocol(boolean v) { return set(PROXY_PROTOCOL, v); }
    public boolean tlsEnabled() { return get(TLS_ENABLED); }
    public GatewayOptions setTlsEnabled(boolean v) { return set(TLS_ENABLED, v); }
    public int tlsPort() { return get(TLS_PORT); }
    public GatewayOptions setTlsPort(int v) { return set(TLS_PORT, v); }
    public String tlsCertFile() { return get(TLS_CERT_FILE); }
    public GatewayOptions setTlsCertFile(String v) { return set(TLS_CERT_FILE, v); }
    public String tlsKeyFile() { return get(TLS_KEY_FILE); }
    public GatewayOptions setTlsKeyFile(String v) { return set(TLS_KEY_FILE, v); }
    public String tlsCaFile() { return get(TLS_CA_FILE); }
    public GatewayOptions setTlsCaFile(String v) { return set(TLS_CA_FILE, v); }
    public TlsClientAuth tlsClientAuth() { return get(TLS_CLIENT_AUTH); }
    public GatewayOptions setTlsClientAuth(TlsClientAuth v) { return set(TLS_CLIENT_AUTH, v); }
    public Duration tlsReloadInterval() { return get(TLS_RELOAD_INTERVAL); }
    public GatewayOptions setTlsReloadInterval(Duration v) { return set(TLS_RELOAD_INTERVAL, v); }
    public Duration nodeConnectTimeout() { return get(NODE_CONNECT_TIMEOUT); }
    public GatewayOptions setNodeConnectTimeout(Duration v) { return set(NODE_CONNECT_TIMEOUT, v); }
    public int nodeMaxAttempts() { return get(NODE_MAX_ATTEMPTS); }
    public GatewayOptions setNodeMaxAttempts(int v) { return set(NODE_MAX_ATTEMPTS, v); }
    public Duration connectTimeout() { return get(CONNECT_TIMEOUT); }
    public GatewayOptions setConnectTimeout(Duration v) { return set(CONNECT_TIMEOUT, v); }
    public int connectMaxSize() { return get(CONNECT_MAX_SIZE); }
    public GatewayOptions setConnectMaxSize(int v) { return set(CONNECT_MAX_SIZE, v); }
    public int maxConnections() { return get(MAX_CONNECTIONS); }
    public GatewayOptions setMaxConnections(int v) { return set(MAX_CONNECTIONS, v); }
    /** New connections per second per listener; 0 turns the limit off. */
    public double acceptRate() { return get(ACCEPT_RATE); }
    public GatewayOptions setAcceptRate(double v) { return set(ACCEPT_RATE, v); }
    public int acceptBurst() { return get(ACCEPT_BURST); }
    public GatewayOptions setAcceptBurst(int v) { return set(ACCEPT_BURST, v); }
    /** Longest wait for a turn under an accept rate; zero = close at once when over the rate. */
    public Duration acceptMaxWait() { return get(ACCEPT_MAX_WAIT); }
    public GatewayOptions setAcceptMaxWait(Duration v) { return set(ACCEPT_MAX_WAIT, v); }
    public double ratePerSource() { return get(RATE_PER_SOURCE); }
    /** New connections per second per source address; 0 turns the limit off. */
    public GatewayOptions setRatePerSource(double v) { return set(RATE_PER_SOURCE, v); }
    public int burstPerSource() { return get(BURST_PER_SOURCE); }
    public GatewayOptions setBurstPerSource(int v) { return set(BURST_PER_SOURCE, v); }
    /** CONNECTs with one client id let through per flapping window; 0 turns flapping detection off. */
    public int flappingMaxConnects() { return get(FLAPPING_MAX_CONNECTS); }
    public GatewayOptions setFlappingMaxConnects(int v) { return set(FLAPPING_MAX_CONNECTS, v); }
    public Duration flappingWindow() { return get(FLAPPING_WINDOW); }
    public GatewayOptions setFlappingWindow(Duration v) { return set(FLAPPING_WINDOW, v); }
    public Duration flappingBan() { return get(FLAPPING_BAN); }
    public GatewayOptions setFlappingBan(Duration v) { return set(FLAPPING_BAN, v); }
    public int flappingMaxClientIds() { return get(FLAPPING_MAX_CLIENT_IDS); }
    public GatewayOptions setFlappingMaxClientIds(int v) { return set(FLAPPING_MAX_CLIENT_IDS, v); }
    public Duration idleTimeout() { return get(IDLE_TIMEOUT); }
    public GatewayOptions setIdleTimeout(Duration v) { return set(IDLE_TIMEOUT, v); }
    public double drainRate() { return get(DRAIN_RATE); }
    public GatewayOptions setDrainRate(double v) { return set(DRAIN_RATE, v); }
    public boolean rebalanceEnabled() { return get(REBALANCE_ENABLED); }
    public GatewayOptions setRebalanceEnabled(boolean v) { return set(REBALANCE_ENABLED, v); }
    public double rebalanceRate() { return get(REBALANCE_RATE); }
    public GatewayOptions setRebalanceRate(double v) { return set(REBALANCE_RATE, v); }
    public int logRejectionsPerSecond() { return get(LOG_REJECTIONS_PER_SECOND); }
    public GatewayOptions setLogRejectionsPerSecond(int v) { return set(LOG_REJECTIONS_PER_SECOND, v); }
}
