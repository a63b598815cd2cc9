package io.mqttcluster.broker.config;

import java.net.InetAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's configuration: every key with its default in {@link #SETTINGS}, values parsed and checked by
 * {@link ConfigLoader}. Immutable.
 */
public final class BrokerConfig {

    /** Every key the node understands, in the order docs/configuration.md lists them. */
    public static final List<Setting> SETTINGS = List.of(
            Setting.text("node.name", "", "Node name in logs and metrics (default: the host name)"),
            Setting.text("mqtt.host", "0.0.0.0", "Address the MQTT listener binds to"),
            Setting.port("mqtt.port", 1883, "MQTT TCP port (0: pick a free port and print it)"),
            Setting.size("mqtt.max-packet-size", "1MB", 64, 268_435_455, "Largest MQTT packet accepted; bigger ones close the connection"),
            Setting.intRange("mqtt.max-client-id-length", 128, 1, 65_535, "Longest client id accepted (CONNACK 0x02 beyond)"),
            Setting.duration("mqtt.connect-timeout", "10s", 1000, "Time a new connection has to send CONNECT"),
            Setting.intRange("mqtt.max-connections", 100_000, 1, Integer.MAX_VALUE, "Connections per node; beyond it CONNECT gets 0x03 (server unavailable)"),
            Setting.intRange("mqtt.max-topic-length", 4096, 1, 65_535, "Longest topic name or filter in bytes"),
            Setting.intRange("mqtt.max-topic-levels", 64, 1, 10_000, "Most levels in a topic name or filter"),
            Setting.intRange("mqtt.max-qos", 2, 0, 2, "Highest QoS granted to subscriptions"),
            Setting.intRange("mqtt.max-inflight", 32, 1, 65_535, "QoS 1/2 messages sent to a client and not yet acknowledged"),
            Setting.intRange("mqtt.receive-maximum", 256, 1, 65_535, "MQTT 5: QoS 1/2 messages a client may send before their acknowledgements (Receive Maximum in CONNACK); a client that sends more gets DISCONNECT 0x93"),
            Setting.intRange("mqtt.topic-alias-maximum", 32, 0, 65_535, "MQTT 5: topic aliases a client may use towards the broker (Topic Alias Maximum in CONNACK); 0: none"),
            Setting.intRange("mqtt.outbound-topic-aliases", 16, 0, 65_535, "MQTT 5: most topic aliases the broker assigns towards one subscriber for repeated topics (also capped by the client's Topic Alias Maximum); 0: none"),
            Setting.text("mqtt.response-information", "", "MQTT 5: Response Information sent in CONNACK to a client that asks for it (a topic prefix for request/response, e.g. 'reply/'); empty: none"),
            Setting.intRange("mqtt.max-keepalive", 0, 0, 65_535, "MQTT 5: longest keepalive granted in seconds; a client asking for more (or for none) is told this one (Server Keep Alive); 0: any"),
            Setting.intRange("mqtt.max-queued-messages", 1000, 1, 10_000_000, "QoS 1/2 messages queued per session (offline, or beyond the in-flight window)"),
            Setting.oneOf("mqtt.queue-overflow", "drop-oldest", List.of("drop-oldest", "drop-newest"), "What a full session queue drops"),
            Setting.size("mqtt.max-bytes-before-connack", "64KB", 1024, 268_435_455, "Bytes a connection may send before its CONNACK (CONNECT with its will, AUTH packets, what it sends before the answer); more closes it"),
            Setting.size("mqtt.max-inbound-pending-bytes", "16KB", 1024, 1L << 30, "Bytes of one client's publishes waiting for the store and the other nodes; past it the node stops reading from that client until half of it is done"),
            Setting.size("mqtt.max-inbound-pending-bytes-total", "0", 0, 1L << 40, "Bytes all clients' publishes may hold while they wait for the store and the other nodes; past it every publishing client waits until half of it is done, and store rounds start only while their copies under way are under a quarter of it; 0: an eighth of the heap, at most 32 MB (below the bus's 64 MB per peer, so a publisher waiting for another node is paused before the bus refuses)"),
            Setting.size("mqtt.max-pending-bytes", "256KB", 1024, 64L * 1024 * 1024, "Bytes written to a socket and not yet sent; past it QoS 0 is dropped and QoS 1/2 waits in the queue until half of it is sent"),
            Setting.intRange("mqtt.max-subscriptions-per-client", 1000, 1, 1_000_000, "Subscriptions one client may hold"),
            Setting.duration("mqtt.session-expiry", "1d", 0, "How long a persistent session (clean session 0) outlives its connection; 0: forever"),
            Setting.duration("mqtt.session-expiry-check", "1s", 100, "How often each node looks for offline sessions that expired or owe a delayed will, among those it holds"),
            Setting.intRange("mqtt.qos2-dedupe-window", 10_000, 0, 1_000_000, "QoS 2 message ids a persistent session remembers after delivery, to recognise a message its publisher re-sends after a node crash"),
            Setting.duration("mqtt.queue-gap-wait", "300ms", 10, "How long a connected persistent session waits for a missing message it was not told about before it re-reads its stored queue"),
            Setting.bool("mqtt.retain-available", true, "Whether retained messages are stored"),
            Setting.bool("mqtt.proxy-protocol", false, "Expect a PROXY protocol v1/v2 header on MQTT connections (behind lb-gateway or HAProxy) from the sources in mqtt.proxy-protocol-trusted"),
            new Setting("mqtt.proxy-protocol-trusted", "", "Who may send PROXY headers (the gateways): addresses, CIDR ranges, host names (re-resolved every 30 s; a headless service lists its pods) or '*' for anyone; required with mqtt.proxy-protocol. Other sources connect without a header; one that sends a header is closed", SourceList::parse),
            Setting.intRange("mqtt.event-loops", 0, 0, 1024, "Event loop threads (0: one per CPU core)"),
            Setting.bool("mqtt.native-transport", true, "Use Linux epoll for sockets where available (false: Java NIO)"),
            Setting.bool("auth.allow-anonymous", true, "Accept clients that send no user name (and, without a password file, any user name as given)"),
            Setting.text("auth.password-file", "", "Password file: user:$7$... lines (Mosquitto 2.0 format, written by 'broker-node.jar passwd'); empty: none"),
            Setting.text("auth.acl-file", "", "ACL file: allow/deny rules for publish and subscribe by user, client id and topic; empty: all allowed"),
            Setting.oneOf("auth.enhanced-methods", "", List.of("", "SCRAM-SHA-512"), "MQTT 5 enhanced authentication offered ('SCRAM-SHA-512': against the password file's users; anyone who can read that file can then log in as its users); empty: none, a CONNECT naming a method gets 0x8C"),
            Setting.oneOf("auth.acl-default", "deny", List.of("allow", "deny"), "What the ACL file decides when no rule applies and it has no 'default' line"),
            Setting.intRange("auth.check-threads", 0, 0, 256, "Threads that check passwords (PBKDF2, slow on purpose); 0: half the CPU cores, at least 1"),
            Setting.bool("auth.use-identity-as-username", false, "A verified client certificate's CN (TLS listener, or the gateway's PROXY header) is the user name; no password needed"),
            Setting.duration("security.reload-interval", "5s", 0, "How often the password, ACL, certificate and key files are checked for changes (0: only on SIGHUP)"),
            Setting.bool("tls.enabled", false, "Open the MQTT over TLS listener (tls.port)"),
            Setting.port("tls.port", 8883, "MQTT over TLS port"),
            Setting.text("tls.cert-file", "", "PEM certificate chain of the TLS and secure WebSocket listeners"),
            Setting.text("tls.key-file", "", "PEM private key for tls.cert-file, unencrypted PKCS#8 (BEGIN PRIVATE KEY)"),
            Setting.text("tls.ca-file", "", "PEM CA certificates client certificates must chain to (needed when tls.client-auth is not none)"),
            Setting.oneOf("tls.client-auth", "none", List.of("none", "optional", "required"), "Ask TLS clients for a certificate; required: refuse the handshake without a valid one"),
            Setting.bool("ws.enabled", false, "Open the MQTT over WebSocket listener (ws.port, path ws.path)"),
            Setting.port("ws.port", 8083, "MQTT over WebSocket port"),
            Setting.text("ws.path", "/mqtt", "WebSocket path of the ws and wss listeners"),
            Setting.bool("wss.enabled", false, "Open the MQTT over secure WebSocket listener (wss.port; tls.cert-file and tls.key-file)"),
            Setting.port("wss.port", 8084, "MQTT over secure WebSocket port"),
            Setting.text("http.host", "0.0.0.0", "Address the HTTP endpoint (/metrics, /health) binds to"),
            Setting.port("http.port", 8080, "HTTP port (0: pick a free port and print it)"),
            Setting.text("http.admin-token-file", "", "File holding the bearer token for the HTTP admin calls (drain, undrain, client details; re-read every 30 s); empty: those calls only from the node's own machine"),
            Setting.text("http.read-token-file", "", "File holding a bearer token for the read-only HTTP admin calls (client details); empty: only the admin token or the node's own machine"),
            Setting.text("http.grafana-url", "", "Link to the cluster's Grafana dashboard that GET /api/v1/cluster hands to the console (grafanaUrl); empty: none"),
            Setting.text("cluster.name", "mqtt-cluster", "Cluster name: only nodes with the same name form a cluster"),
            Setting.text("cluster.host", "127.0.0.1", "Address the cluster (Hazelcast) port binds to"),
            Setting.text("cluster.public-host", "", "Address other nodes use to reach this one (default: cluster.host)"),
            Setting.port("cluster.port", 5701, "Cluster (Hazelcast) member port (0: pick a free port)"),
            Setting.port("cluster.bus-port", 0, "Port for forwarding messages between nodes (0: cluster.port + 100, or a free port when cluster.port is 0)"),
            Setting.text("cluster.secret-file", "", "File holding the cluster secret (at least 16 bytes, e.g. from openssl rand -base64 32), the same on every node; read at start-up. Nodes prove it to each other on the bus port and the Hazelcast cluster name is derived from it. Empty: no authentication between nodes (a warning when cluster.host is not loopback)"),
            Setting.hostPortList("cluster.members", "Static member list host:port,host:port,... (empty: this node alone)"),
            Setting.text("cluster.kubernetes-service-dns", "", "Find members by DNS lookup of this headless Service instead of cluster.members"),
            Setting.intRange("cluster.size", 0, 0, 1000, "Expected number of nodes, for the default quorum and alerts (0: the number of cluster.members, 1 without a list; required with cluster.kubernetes-service-dns)"),
            Setting.intRange("cluster.quorum", 0, 0, 1000, "Members needed to accept connections and QoS 1/2 (0: a majority of cluster.size)"),
            Setting.intRange("cluster.backup-count", 1, 0, 6, "Synchronous backups of sessions, queues and retained messages"),
            Setting.duration("cluster.store-timeout", "3s", 500, "How long a node waits for the answer to a store call it may repeat (queue writes, acknowledgements, QoS 2 packet ids) before it repeats it; an answer lost with a reset member connection would otherwise take 30 s to be noticed"),
            Setting.duration("cluster.heartbeat-interval", "1s", 1000, "Member heartbeat interval"),
            Setting.duration("cluster.max-no-heartbeat", "5s", 2000, "A member silent this long is removed"),
            Setting.duration("sys.interval", "10s", 0, "How often each node publishes its $SYS/broker/<node>/... topics (0: never)"),
            Setting.oneOf("shared-subscriptions.strategy", "round_robin",
                    List.of("round_robin", "random", "hash_clientid", "local_first"), "How a shared subscription group picks its member for QoS 0/1 messages (QoS 2 messages go by message id, so a re-sent one reaches the member that has it)")
    );

    private final Map<String, Object> values;

    BrokerConfig(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The defaults. */
    public static BrokerConfig defaults() {
        return ConfigLoader.load(Map.of(), Map.of(), null);
    }

    public static Setting setting(String key) {
        for (Setting s : SETTINGS) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        return null;
    }

    public Object get(String key) {
        Object v = values.get(key); // one lookup: several settings are read for every publish
        if (v == null && !values.containsKey(key)) {
            throw new IllegalArgumentException("no such key " + key);
        }
        return v;
    }

    private int i(String key) {
        return (Integer) get(key);
    }

    private long l(String key) {
        return (Long) get(key);
    }

    private boolean b(String key) {
        return (Boolean) get(key);
    }

    private String s(String key) {
        return (String) get(key);
    }

    public String nodeName() {
        String name = s("node.name");
        if (!name.isBlank()) {
            return name;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "node";
        }
    }

    public String mqttHost() {
        return s("mqtt.host");
    }

    public int mqttPort() {
        return i("mqtt.port");
    }

    public int maxPacketSize() {
        return (int) l("mqtt.max-packet-size");
    }

    public int maxClientIdLength() {
        return i("mqtt.max-client-id-length");
    }

    public long connectTimeoutMillis() {
        return l("mqtt.connect-timeout");
    }

    public int maxConnections() {
        return i("mqtt.max-connections");
    }

    public int maxTopicLength() {
        return i("mqtt.max-topic-length");
    }

    public int maxTopicLevels() {
        return i("mqtt.max-topic-levels");
    }

    public int receiveMaximum() {
        return i("mqtt.receive-maximum");
    }

    public int topicAliasMaximum() {
        return i("mqtt.topic-alias-maximum");
    }

    public int outboundTopicAliases() {
        return i("mqtt.outbound-topic-aliases");
    }

    public String responseInformation() {
        return s("mqtt.response-information");
    }

    public int maxKeepAliveSeconds() {
        return i("mqtt.max-keepalive");
    }

    public int maxQos() {
        return i("mqtt.max-qos");
    }

    public int maxInflight() {
        return i("mqtt.max-inflight");
    }

    public int maxQueuedMessages() {
        return i("mqtt.max-queued-messages");
    }

    public int qos2DedupeWindow() {
        return i("mqtt.qos2-dedupe-window");
    }

    public long sessionExpiryCheckMillis() {
        return l("mqtt.session-expiry-check");
    }

    public long storeTimeoutMillis() {
        return l("cluster.store-timeout");
    }

    public long queueGapWaitMillis() {
        return l("mqtt.queue-gap-wait");
    }

    public boolean dropOldest() {
        return "drop-oldest".equals(s("mqtt.queue-overflow"));
    }

    public int maxBytesBeforeConnack() {
        return (int) l("mqtt.max-bytes-before-connack");
    }

    public long maxInboundPendingBytes() {
        return l("mqtt.max-inbound-pending-bytes");
    }

    public long maxInboundPendingBytesTotal() {
        return l("mqtt.max-inbound-pending-bytes-total");
    }

    public int maxPendingBytes() {
        return (int) l("mqtt.max-pending-bytes");
    }

    public int maxSubscriptionsPerClient() {
        return i("mqtt.max-subscriptions-per-client");
    }

    /** Session expiry in seconds for persistent sessions; {@code Long.MAX_VALUE} for forever. */
    public long sessionExpirySeconds() {
        long millis = l("mqtt.session-expiry");
        return millis == 0 ? Long.MAX_VALUE : Math.max(1, millis / 1000);
    }

    public boolean retainAvailable() {
        return b("mqtt.retain-available");
    }

    public String adminTokenFile() {
        return s("http.admin-token-file");
    }

    public String readTokenFile() {
        return s("http.read-token-file");
    }

    /** The Grafana dashboard link for the admin API, or null when none is configured. */
    public String grafanaUrl() {
        String url = s("http.grafana-url");
        return url.isBlank() ? null : url;
    }

    public boolean proxyProtocol() {
        return b("mqtt.proxy-protocol");
    }

    public SourceList proxyProtocolTrusted() {
        return (SourceList) get("mqtt.proxy-protocol-trusted");
    }

    public boolean allowAnonymous() {
        return b("auth.allow-anonymous");
    }

    public String passwordFile() {
        return s("auth.password-file");
    }

    public String aclFile() {
        return s("auth.acl-file");
    }

    public boolean aclDefaultAllow() {
        return s("auth.acl-default").equals("allow");
    }

    public int authCheckThreads() {
        int n = i("auth.check-threads");
        return n > 0 ? n : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** The MQTT 5 enhanced authentication methods offered; empty for none. */
    public List<String> enhancedAuthMethods() {
        String v = s("auth.enhanced-methods");
        return v.isBlank() ? List.of() : List.of(v);
    }

    public boolean useIdentityAsUsername() {
        return b("auth.use-identity-as-username");
    }

    public long securityReloadMillis() {
        return l("security.reload-interval");
    }

    public boolean tlsEnabled() {
        return b("tls.enabled");
    }

    public int tlsPort() {
        return i("tls.port");
    }

    public String tlsCertFile() {
        return s("tls.cert-file");
    }

    public String tlsKeyFile() {
        return s("tls.key-file");
    }

    public String tlsCaFile() {
        return s("tls.ca-file");
    }

    /** none, optional or required. */
    public String tlsClientAuth() {
        return s("tls.client-auth");
    }

    public boolean wsEnabled() {
        return b("ws.enabled");
    }

    public int wsPort() {
        return i("ws.port");
    }

    public String wsPath() {
        return s("ws.path");
    }

    public boolean wssEnabled() {
        return b("wss.enabled");
    }

    public int wssPort() {
        return i("wss.port");
    }

    public boolean nativeTransport() {
        return b("mqtt.native-transport");
    }

    public int eventLoops() {
        int n = i("mqtt.event-loops");
        return n == 0 ? Runtime.getRuntime().availableProcessors() : n;
    }

    public String httpHost() {
        return s("http.host");
    }

    public int httpPort() {
        return i("http.port");
    }

    public String clusterName() {
        return s("cluster.name");
    }

    public String clusterHost() {
        return s("cluster.host");
    }

    public String clusterPublicHost() {
        return s("cluster.public-host");
    }

    public int clusterPort() {
        return i("cluster.port");
    }

    /** The bus port to bind: configured, or cluster port + 100, or 0 (any) when the cluster port is picked. */
    public int busPort() {
        int p = i("cluster.bus-port");
        if (p != 0) {
            return p;
        }
        return clusterPort() == 0 ? 0 : clusterPort() + 100;
    }

    public String clusterSecretFile() {
        return s("cluster.secret-file");
    }

    @SuppressWarnings("unchecked")
    public List<String> clusterMembers() {
        return (List<String>) get("cluster.members");
    }

    public String kubernetesServiceDns() {
        return s("cluster.kubernetes-service-dns");
    }

    public int clusterSize() {
        int size = i("cluster.size");
        return size > 0 ? size : Math.max(1, clusterMembers().size());
    }

    public int quorum() {
        int q = i("cluster.quorum");
        return q == 0 ? clusterSize() / 2 + 1 : q;
    }

    public int backupCount() {
        return i("cluster.backup-count");
    }

    public int heartbeatSeconds() {
        return (int) Math.max(1, l("cluster.heartbeat-interval") / 1000);
    }

    public int maxNoHeartbeatSeconds() {
        return (int) Math.max(2, l("cluster.max-no-heartbeat") / 1000);
    }

    public long sysIntervalMillis() {
        return l("sys.interval");
    }

    public String sharedStrategy() {
        return s("shared-subscriptions.strategy");
    }

    /** A copy with some keys changed (values as text, parsed and checked like the file's). */
    public BrokerConfig with(Map<String, String> overrides) {
        Map<String, Object> copy = new LinkedHashMap<>(values);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            Setting s = setting(e.getKey());
            if (s == null) {
                throw new ConfigException(e.getKey(), "unknown key");
            }
            copy.put(e.getKey(), s.parse(e.getValue()));
        }
        return ConfigLoader.validate(new BrokerConfig(copy));
    }

    public Map<String, Object> asMap() {
        return values;
    }
}
