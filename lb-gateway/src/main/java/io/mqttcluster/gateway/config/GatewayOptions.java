package io.mqttcluster.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Every setting of the gateway, with its default; {@link #validate()} checks them all in one place
 * and names the key at fault. Config keys (YAML, environment, flags) map onto these setters in
 * {@link ConfigKeys}; tests may build one directly.
 *
 * <p>Mutable while being built, on one thread; treat it as read-only once handed to a
 * {@code Gateway}.
 */
public final class GatewayOptions {

    /** How nodes found by DNS are keyed for hashing. */
    /** Whether TLS clients must, may or need not present a certificate. */
    public enum TlsClientAuth { NONE, OPTIONAL, REQUIRED }

    public enum DnsNodeKey {
        /** {@code ip:mqttPort}: stable while pods keep their addresses. */
        IP,
        /** {@code reverse-DNS-name:mqttPort}: stable across pod restarts for StatefulSet pods. */
        HOSTNAME
    }

    private int port = 1883;
    private String bindAddress = "0.0.0.0";
    private int httpPort = 8090;
    private String httpBindAddress = "0.0.0.0";
    private int eventLoops = 0;

    private List<String> nodes = new ArrayList<>();
    private int nodeMqttPort = 1883;
    private int nodeHttpPort = 0;
    private String dnsName = "";
    private Duration dnsInterval = Duration.ofSeconds(5);
    private DnsNodeKey dnsNodeKey = DnsNodeKey.IP;

    private Duration healthInterval = Duration.ofSeconds(1);
    private Duration healthTimeout = Duration.ofSeconds(2);
    private String healthPath = "/health/ready";
    private int healthFall = 3;
    private int healthRise = 2;
    private Duration healthCloseAfter = Duration.ofSeconds(10);

    private boolean proxyProtocol = false;

    private boolean tlsEnabled = false;
    private int tlsPort = 8883;
    private String tlsCertFile = "";
    private String tlsKeyFile = "";
    private String tlsCaFile = "";
    private TlsClientAuth tlsClientAuth = TlsClientAuth.NONE;
    private Duration tlsReloadInterval = Duration.ofSeconds(10);
    private Duration nodeConnectTimeout = Duration.ofSeconds(5);
    private int nodeMaxAttempts = 3;

    private Duration connectTimeout = Duration.ofSeconds(10);
    private int connectMaxSize = 64 * 1024;

    private int maxConnections = 100_000;
    private double ratePerSource = 20;
    private int burstPerSource = 50;
    private Duration idleTimeout = Duration.ZERO;

    private double drainRate = 50;
    private boolean rebalanceEnabled = false;
    private double rebalanceRate = 20;

    private int logRejectionsPerSecond = 10;

    /**
     * Checks every value.
     *
     * @throws ConfigException naming the first key at fault
     */
    public GatewayOptions validate() {
        port("port", port);
        port("http-port", httpPort);
        nonEmpty("bind-address", bindAddress);
        nonEmpty("http-bind-address", httpBindAddress);
        atLeast("event-loops", eventLoops, 0);
        port("node-mqtt-port", nodeMqttPort);
        if (nodeMqttPort == 0) {
            throw new ConfigException("node-mqtt-port", "must be between 1 and 65535");
        }
        port("node-http-port", nodeHttpPort);
        staticNodes();
        if (nodes.isEmpty() && dnsName.isBlank()) {
            throw new ConfigException("nodes", "no nodes configured: set nodes (host:port[:httpPort],...) or dns.name");
        }
        positive("dns.interval", dnsInterval);
        positive("health.interval", healthInterval);
        positive("health.timeout", healthTimeout);
        if (!healthPath.startsWith("/")) {
            throw new ConfigException("health.path", "must start with '/': '" + healthPath + "'");
        }
        atLeast("health.fall", healthFall, 1);
        atLeast("health.rise", healthRise, 1);
        if (healthCloseAfter.isNegative()) {
            throw new ConfigException("health.close-after", "must not be negative");
        }
        positive("node.connect-timeout", nodeConnectTimeout);
        atLeast("node.max-attempts", nodeMaxAttempts, 1);
        positive("connect.timeout", connectTimeout);
        atLeast("connect.max-size", connectMaxSize, 16);
        atLeast("limits.max-connections", maxConnections, 1);
        rate("limits.rate-per-source", ratePerSource);
        atLeast("limits.burst-per-source", burstPerSource, 1);
        if (idleTimeout.isNegative()) {
            throw new ConfigException("limits.idle-timeout", "must not be negative");
        }
        if (!idleTimeout.isZero() && idleTimeout.toMillis() < 1000) {
            throw new ConfigException("limits.idle-timeout",
                    "must be 0 (off) or at least 1s, and above 1.5 x the longest client keepalive");
        }
        rate("drain.rate", drainRate);
        if (drainRate == 0) {
            throw new ConfigException("drain.rate", "must be above 0");
        }
        rate("rebalance.rate", rebalanceRate);
        if (rebalanceRate == 0) {
            throw new ConfigException("rebalance.rate", "must be above 0");
        }
        atLeast("log.rejections-per-second", logRejectionsPerSecond, 0);
        if (tlsEnabled) {
            port("tls.port", tlsPort);
            nonEmpty("tls.cert-file", tlsCertFile);
            nonEmpty("tls.key-file", tlsKeyFile);
            if (tlsClientAuth != TlsClientAuth.NONE) {
                nonEmpty("tls.ca-file", tlsCaFile);
            }
            if (tlsClientAuth != TlsClientAuth.NONE && !proxyProtocol) {
                throw new ConfigException("proxy-protocol",
                        "must be true with tls.client-auth: the client's certificate name reaches the node in the PROXY header");
            }
            positive("tls.reload-interval", tlsReloadInterval);
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
        List<NodeAddress> out = new ArrayList<>(nodes.size());
        for (String spec : nodes) {
            NodeAddress a;
            try {
                a = NodeAddress.parse(spec, nodeMqttPort, nodeHttpPort);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("nodes", e.getMessage());
            }
            for (NodeAddress other : out) {
                if (other.key().equals(a.key())) {
                    throw new ConfigException("nodes", "node " + a.key() + " listed twice");
                }
            }
            out.add(a);
        }
        return out;
    }

    private static void port(String key, int v) {
        if (v < 0 || v > 65535) {
            throw new ConfigException(key, "must be a port between 0 and 65535, got " + v);
        }
    }

    private static void nonEmpty(String key, String v) {
        if (v == null || v.isBlank()) {
            throw new ConfigException(key, "must not be empty");
        }
    }

    private static void atLeast(String key, long v, long min) {
        if (v < min) {
            throw new ConfigException(key, "must be at least " + min + ", got " + v);
        }
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigException(key, "must be a positive duration like 10s or 500ms");
        }
    }

    private static void rate(String key, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new ConfigException(key, "must be a number of at least 0, got " + v);
        }
    }

    public int port() {
        return port;
    }

    public GatewayOptions setPort(int port) {
        this.port = port;
        return this;
    }

    public String bindAddress() {
        return bindAddress;
    }

    public GatewayOptions setBindAddress(String bindAddress) {
        this.bindAddress = bindAddress;
        return this;
    }

    public int httpPort() {
        return httpPort;
    }

    public GatewayOptions setHttpPort(int httpPort) {
        this.httpPort = httpPort;
        return this;
    }

    public String httpBindAddress() {
        return httpBindAddress;
    }

    public GatewayOptions setHttpBindAddress(String httpBindAddress) {
        this.httpBindAddress = httpBindAddress;
        return this;
    }

    public int eventLoops() {
        return eventLoops;
    }

    public GatewayOptions setEventLoops(int eventLoops) {
        this.eventLoops = eventLoops;
        return this;
    }

    public List<String> nodes() {
        return List.copyOf(nodes);
    }

    /** Static nodes as {@code host[:mqttPort[:httpPort]]} strings. */
    public GatewayOptions setNodes(List<String> nodes) {
        this.nodes = new ArrayList<>(nodes);
        return this;
    }

    public int nodeMqttPort() {
        return nodeMqttPort;
    }

    public GatewayOptions setNodeMqttPort(int nodeMqttPort) {
        this.nodeMqttPort = nodeMqttPort;
        return this;
    }

    public int nodeHttpPort() {
        return nodeHttpPort;
    }

    public GatewayOptions setNodeHttpPort(int nodeHttpPort) {
        this.nodeHttpPort = nodeHttpPort;
        return this;
    }

    public String dnsName() {
        return dnsName;
    }

    public GatewayOptions setDnsName(String dnsName) {
        this.dnsName = dnsName == null ? "" : dnsName;
        return this;
    }

    public Duration dnsInterval() {
        return dnsInterval;
    }

    public GatewayOptions setDnsInterval(Duration dnsInterval) {
        this.dnsInterval = dnsInterval;
        return this;
    }

    public DnsNodeKey dnsNodeKey() {
        return dnsNodeKey;
    }

    public GatewayOptions setDnsNodeKey(DnsNodeKey dnsNodeKey) {
        this.dnsNodeKey = dnsNodeKey;
        return this;
    }

    public Duration healthInterval() {
        return healthInterval;
    }

    public GatewayOptions setHealthInterval(Duration healthInterval) {
        this.healthInterval = healthInterval;
        return this;
    }

    public Duration healthTimeout() {
        return healthTimeout;
    }

    public GatewayOptions setHealthTimeout(Duration healthTimeout) {
        this.healthTimeout = healthTimeout;
        return this;
    }

    public String healthPath() {
        return healthPath;
    }

    public GatewayOptions setHealthPath(String healthPath) {
        this.healthPath = healthPath;
        return this;
    }

    public int healthFall() {
        return healthFall;
    }

    public GatewayOptions setHealthFall(int healthFall) {
        this.healthFall = healthFall;
        return this;
    }

    public int healthRise() {
        return healthRise;
    }

    public GatewayOptions setHealthRise(int healthRise) {
        this.healthRise = healthRise;
        return this;
    }

    /** How long a node stays down before the connections it still has are closed; zero = at once. */
    public Duration healthCloseAfter() {
        return healthCloseAfter;
    }

    public GatewayOptions setHealthCloseAfter(Duration healthCloseAfter) {
        this.healthCloseAfter = healthCloseAfter;
        return this;
    }

    public boolean proxyProtocol() {
        return proxyProtocol;
    }

    public GatewayOptions setProxyProtocol(boolean proxyProtocol) {
        this.proxyProtocol = proxyProtocol;
        return this;
    }

    public boolean tlsEnabled() {
        return tlsEnabled;
    }

    public GatewayOptions setTlsEnabled(boolean tlsEnabled) {
        this.tlsEnabled = tlsEnabled;
        return this;
    }

    public int tlsPort() {
        return tlsPort;
    }

    public GatewayOptions setTlsPort(int tlsPort) {
        this.tlsPort = tlsPort;
        return this;
    }

    public String tlsCertFile() {
        return tlsCertFile;
    }

    public GatewayOptions setTlsCertFile(String tlsCertFile) {
        this.tlsCertFile = tlsCertFile;
        return this;
    }

    public String tlsKeyFile() {
        return tlsKeyFile;
    }

    public GatewayOptions setTlsKeyFile(String tlsKeyFile) {
        this.tlsKeyFile = tlsKeyFile;
        return this;
    }

    public String tlsCaFile() {
        return tlsCaFile;
    }

    public GatewayOptions setTlsCaFile(String tlsCaFile) {
        this.tlsCaFile = tlsCaFile;
        return this;
    }

    public TlsClientAuth tlsClientAuth() {
        return tlsClientAuth;
    }

    public GatewayOptions setTlsClientAuth(TlsClientAuth tlsClientAuth) {
        this.tlsClientAuth = tlsClientAuth;
        return this;
    }

    public Duration tlsReloadInterval() {
        return tlsReloadInterval;
    }

    public GatewayOptions setTlsReloadInterval(Duration tlsReloadInterval) {
        this.tlsReloadInterval = tlsReloadInterval;
        return this;
    }

    public Duration nodeConnectTimeout() {
        return nodeConnectTimeout;
    }

    public GatewayOptions setNodeConnectTimeout(Duration nodeConnectTimeout) {
        this.nodeConnectTimeout = nodeConnectTimeout;
        return this;
    }

    public int nodeMaxAttempts() {
        return nodeMaxAttempts;
    }

    public GatewayOptions setNodeMaxAttempts(int nodeMaxAttempts) {
        this.nodeMaxAttempts = nodeMaxAttempts;
        return this;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public GatewayOptions setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
        return this;
    }

    public int connectMaxSize() {
        return connectMaxSize;
    }

    public GatewayOptions setConnectMaxSize(int connectMaxSize) {
        this.connectMaxSize = connectMaxSize;
        return this;
    }

    public int maxConnections() {
        return maxConnections;
    }

    public GatewayOptions setMaxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
        return this;
    }

    public double ratePerSource() {
        return ratePerSource;
    }

    /** New connections per second per source address; 0 turns the limit off. */
    public GatewayOptions setRatePerSource(double ratePerSource) {
        this.ratePerSource = ratePerSource;
        return this;
    }

    public int burstPerSource() {
        return burstPerSource;
    }

    public GatewayOptions setBurstPerSource(int burstPerSource) {
        this.burstPerSource = burstPerSource;
        return this;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    public GatewayOptions setIdleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
        return this;
    }

    public double drainRate() {
        return drainRate;
    }

    public GatewayOptions setDrainRate(double drainRate) {
        this.drainRate = drainRate;
        return this;
    }

    public boolean rebalanceEnabled() {
        return rebalanceEnabled;
    }

    public GatewayOptions setRebalanceEnabled(boolean rebalanceEnabled) {
        this.rebalanceEnabled = rebalanceEnabled;
        return this;
    }

    public double rebalanceRate() {
        return rebalanceRate;
    }

    public GatewayOptions setRebalanceRate(double rebalanceRate) {
        this.rebalanceRate = rebalanceRate;
        return this;
    }

    public int logRejectionsPerSecond() {
        return logRejectionsPerSecond;
    }

    public GatewayOptions setLogRejectionsPerSecond(int logRejectionsPerSecond) {
        this.logRejectionsPerSecond = logRejectionsPerSecond;
        return this;
    }
}
