package io.mqttcluster.broker;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mqttcluster.broker.cluster.BusMetrics;
import io.mqttcluster.broker.cluster.ClusterSecret;
import io.mqttcluster.broker.cluster.NodeLink;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.connection.MqttListener;
import io.mqttcluster.broker.connection.TlsContext;
import io.mqttcluster.broker.cluster.AdminRequests;
import io.mqttcluster.broker.http.AdminAccess;
import io.mqttcluster.broker.http.AdminApi;
import io.mqttcluster.broker.http.ClientsApi;
import io.mqttcluster.broker.http.ClusterApi;
import io.mqttcluster.broker.http.LocalNodeAdmin;
import io.mqttcluster.broker.http.RetainedApi;
import io.mqttcluster.broker.http.SubscriptionsApi;
import io.mqttcluster.broker.http.HttpEndpoint;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.broker.session.SessionExpiry;
import io.mqttcluster.cluster.ClusterNode;
import io.mqttcluster.cluster.ClusterSettings;
import io.mqttcluster.cluster.forward.ClusterBus;
import io.mqttcluster.cluster.forward.ClusterBusOptions;
import io.mqttcluster.cluster.forward.PeerAuth;
import io.mqttcluster.cluster.retain.RetainedStore;
import io.mqttcluster.cluster.route.DurableSubscriptions;
import io.mqttcluster.cluster.route.RouteTable;
import io.mqttcluster.cluster.route.SharedGroups;
import io.mqttcluster.cluster.session.HazelcastSessionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A running broker node: its Hazelcast member, its Vert.x instance with one MQTT listener per event loop,
 * and its HTTP endpoint. {@link #start} and {@link #stop} block; use them from {@code main} or a test.
 */
public final class BrokerNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BrokerNode.class);

    private final BrokerConfig config;
    private final ClusterNode cluster;
    private final Vertx vertx;
    private final Broker broker;
    private final HttpEndpoint http;
    private final int mqttPort;
    private final MqttListener server;
    private final ClusterCoordinator coordinator;
    private final SessionExpiry expiry;
    private final SysTopics sys;
    private final Map<MqttListener.Transport, Integer> ports;
    private boolean stopped;

    private BrokerNode(BrokerConfig config, ClusterNode cluster, Vertx vertx, Broker broker, HttpEndpoint http,
                       int mqttPort, MqttListener server, ClusterCoordinator coordinator, SessionExpiry expiry, SysTopics sys,
                       Map<MqttListener.Transport, Integer> ports) {
        this.config = config;
        this.cluster = cluster;
        this.vertx = vertx;
        this.broker = broker;
        this.http = http;
        this.mqttPort = mqttPort;
        this.server = server;
        this.coordinator = coordinator;
        this.expiry = expiry;
        this.sys = sys;
        this.ports = ports;
    }

    /** Starts a node and returns once it accepts MQTT connections. Blocking. */
    public static BrokerNode start(BrokerConfig config) throws Exception {
        long t0 = System.nanoTime();
        AdminAccess adminAccess = AdminAccess.load(config.adminTokenFile(), config.readTokenFile());
        PeerAuth peerAuth = ClusterSecret.load(config); // a bad file stops start-up before anything opens
        if (!peerAuth.enabled() && !ClusterSecret.loopbackOnly(config)) {
            log.warn("event=cluster_unauthenticated cluster_host={} detail=\"no cluster.secret-file: whoever reaches the "
                    + "bus port can send forwards, takeovers and subscription changes, and any member with the cluster "
                    + "name can join; see docs/cluster.md\"", config.clusterHost());
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("node", config.nodeName());
        int clusterPort = config.clusterPort() == 0 ? freePort() : config.clusterPort();
        String nodeId = UUID.randomUUID().toString();
        Vertx vertx = Vertx.builder()
                .with(new VertxOptions().setEventLoopPoolSize(config.eventLoops())
                        .setPreferNativeTransport(config.nativeTransport())
                        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
                .withMetrics(new MicrometerMetricsFactory(registry))
                .build();
        vertx.exceptionHandler(BrokerNode::unhandled);
        ClusterNode cluster = null;
        try {
            // the bus listens first: its address is advertised to the other nodes when this one joins
            NodeLink.Inbox inbox = NodeLink.inbox();
            ClusterBus bus = new ClusterBus(vertx, nodeId, inbox, new ClusterBusOptions().peerAuth(peerAuth)
                    .maxFrameBytes(busMaxFrameBytes(config)));
            String advertised = config.clusterPublicHost().isBlank() ? config.clusterHost() : config.clusterPublicHost();
            int busPort = await(bus.listen(config.clusterHost(), config.busPort()));
            ClusterNode joined = ClusterNode.start(new ClusterSettings(ClusterSecret.hazelcastClusterName(config, peerAuth), nodeId, config.nodeName(),
                    advertised + ":" + busPort, config.clusterHost(), config.clusterPublicHost(), clusterPort,
                    config.clusterMembers(), config.kubernetesServiceDns(), config.quorum(), config.backupCount(),
                    config.heartbeatSeconds(), config.maxNoHeartbeatSeconds()));
            cluster = joined;
            BrokerMetrics metrics = new BrokerMetrics(registry);
            BusMetrics.register(registry, bus);
            Broker broker = new Broker(config, cluster, metrics, vertx, bus);
            inbox.attach(broker.linkHandler(), metrics);
            ClusterCoordinator coordinator = new ClusterCoordinator(broker, joined);
            coordinator.start();
            SessionExpiry expiry = new SessionExpiry(vertx, cluster, broker.state(), metrics, broker.router(), broker.subscriptions(),
                    broker.systemContext());
            expiry.start(config.sessionExpiryCheckMillis());
            metrics.gauge("mqtt.subscriptions", "Subscriptions of clients connected to this node",
                    () -> broker.subscriptions().localSubscriptionCount());
            metrics.gauge("mqtt.retained.messages", "Retained messages in the cluster", () -> broker.cluster().retained().size());
            metrics.gauge("mqtt.cluster.members", "Members of the cluster as this node sees it", () -> broker.cluster().memberCount());
            metrics.gauge("mqtt.sessions", "Sessions: connected to this node; offline (persistent, cluster-wide, the same on every node)",
                    "state", "connected", () -> broker.sessions().connectedCount());
            AtomicLong offline = new AtomicLong();
            metrics.gauge("mqtt.sessions", "Sessions: connected to this node; offline (persistent, cluster-wide, the same on every node)",
                    "state", "offline", offline::get);
            vertx.setPeriodic(15_000, t -> vertx.executeBlocking(() -> broker.cluster().sessions().countOffline(), false)
                    .onSuccess(offline::set));
            metrics.gauge("mqtt.cluster.quorum", "Members needed to accept connections and QoS 1/2", () -> config.quorum());
            metrics.gauge("mqtt.cluster.expected.size", "Configured cluster size (cluster.size)", () -> config.clusterSize());
            metrics.gauge("mqtt.cluster.safe", "1 when every partition's backups are in sync (safe to stop a node)",
                    () -> joined.hazelcast().getPartitionService().isClusterSafe() ? 1 : 0);
            metrics.gauge("mqtt.inflight.messages", "QoS 1/2 messages sent to clients of this node and not yet acknowledged",
                    () -> broker.sessions().channels().stream().mapToLong(c -> c.outbound() == null ? 0 : c.outbound().inflightCount()).sum());
            metrics.gauge("mqtt.queued.messages", "QoS 1/2 messages waiting for an in-flight slot on connections of this node",
                    () -> broker.sessions().channels().stream().mapToLong(c -> c.outbound() == null ? 0 : c.outbound().pendingCount()).sum());
            metrics.gauge("mqtt.session.queue.limit", "Most QoS 1/2 messages a session's queue holds (mqtt.max-queued-messages)",
                    () -> config.maxQueuedMessages());
            metrics.gauge("mqtt.session.queue.depth.max", "Largest queue (in flight + waiting) of a session connected to this node",
                    () -> broker.sessions().channels().stream().mapToLong(c -> c.outbound() == null ? 0
                            : c.outbound().pendingCount() + c.outbound().inflightCount()).max().orElse(0));
            for (String map : List.of(HazelcastSessionStore.MAP_NAME, RetainedStore.MAP_NAME, DurableSubscriptions.MAP_NAME,
                    RouteTable.MAP_NAME, SharedGroups.MAP_NAME)) {
                metrics.gauge("mqtt.hazelcast.map.entries", "Entries of a cluster map owned by this member", "map", map,
                        () -> joined.hazelcast().getMap(map).getLocalMapStats().getOwnedEntryCount());
                metrics.gauge("mqtt.hazelcast.map.memory.bytes", "Memory of the entries of a cluster map owned by this member", "map", map,
                        () -> joined.hazelcast().getMap(map).getLocalMapStats().getOwnedEntryMemoryCost());
            }
            SysTopics sys = new SysTopics(broker, Main.version());

            MqttListener server = new MqttListener(broker.protocolServices());
            int port = await(server.listen(config.mqttHost(), config.mqttPort()));
            Map<MqttListener.Transport, Integer> ports = new EnumMap<>(MqttListener.Transport.class);
            ports.put(MqttListener.Transport.TCP, port);
            TlsContext tls = TlsContext.start(config);
            if (config.tlsEnabled()) {
                ports.put(MqttListener.Transport.TLS, await(server.listen(config.mqttHost(), config.tlsPort(), MqttListener.Transport.TLS, tls)));
            }
            if (config.wsEnabled()) {
                ports.put(MqttListener.Transport.WS, await(server.listen(config.mqttHost(), config.wsPort(), MqttListener.Transport.WS, null)));
            }
            if (config.wssEnabled()) {
                ports.put(MqttListener.Transport.WSS, await(server.listen(config.mqttHost(), config.wssPort(), MqttListener.Transport.WSS, tls)));
            }
            SecurityReloader.start(vertx, broker, joined, tls, config.securityReloadMillis());
            metrics.byteCounter("mqtt.network.received", "Bytes read from MQTT connections", () -> server.bytesIn().sum());
            metrics.byteCounter("mqtt.network.sent", "Bytes written to MQTT connections", () -> server.bytesOut().sum());
            metrics.counter("mqtt.connect.bytes.exceeded", "Connections closed for sending more than mqtt.max-bytes-before-connack before their CONNACK",
                    () -> server.tooMuchBeforeConnack().sum());
            metrics.counter("mqtt.proxy.headers.refused", "Connections closed for a PROXY header from a source not in mqtt.proxy-protocol-trusted",
                    () -> server.proxyHeadersRefused().sum());
            adminAccess.watch(vertx);
            metrics.counter("mqtt.http.admin.refused", "HTTP admin calls refused (no or wrong token, or not from the node's machine)",
                    () -> adminAccess.refused().sum());
            AdminRequests adminRequests = new AdminRequests(cluster, bus);
            adminRequests.attach(new LocalNodeAdmin(cluster, broker.state(), metrics, broker.sessions()));
            inbox.attachAdmin(adminRequests);
            AdminApi adminApi = new AdminApi(adminAccess,
                    new ClientsApi(cluster, adminRequests, expiry, vertx),
                    new SubscriptionsApi(cluster, adminRequests, vertx),
                    new RetainedApi(cluster, broker.topicLimits(), vertx),
                    new ClusterApi(cluster, config, broker.state(), adminRequests, vertx,
                            () -> joined.hazelcast().getPartitionService().isClusterSafe()));
            HttpEndpoint http = new HttpEndpoint(broker.state(), cluster, metrics, broker.security(), broker.sessions(), vertx, registry,
                    adminAccess, adminApi);
            await(http.start(vertx, config.httpHost(), config.httpPort()));
            awaitLocalMemberSafe(cluster);
            broker.state().ready(true);
            sys.start(config.sysIntervalMillis());
            log.info("event=broker_started node={} node_id={} mqtt_port={} tls_port={} ws_port={} wss_port={} http_port={} cluster_port={} bus_port={} members={} transport={} startup_ms={}",
                    config.nodeName(), nodeId, port, ports.getOrDefault(MqttListener.Transport.TLS, -1),
                    ports.getOrDefault(MqttListener.Transport.WS, -1), ports.getOrDefault(MqttListener.Transport.WSS, -1),
                    http.actualPort(), clusterPort, busPort, cluster.memberCount(),
                    vertx.isNativeTransportEnabled() ? "epoll" : "nio",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            return new BrokerNode(config, cluster, vertx, broker, http, port, server, coordinator, expiry, sys, ports);
        } catch (Exception | Error e) {
            vertx.close().await(10, TimeUnit.SECONDS);
            if (cluster != null) {
                cluster.close();
            }
            throw e;
        }
    }

    /**
     * The largest node-to-node frame: a forward holds one MQTT message (up to mqtt.max-packet-size) and a few dozen
     * bytes per persistent session it reaches on the receiving node, so the default (16 MB) or the largest packet
     * plus 1 MB, whichever is more.
     */
    static int busMaxFrameBytes(BrokerConfig config) {
        return (int) Math.max(ClusterBusOptions.DEFAULT_MAX_FRAME_BYTES, (long) config.maxPacketSize() + 1024 * 1024);
    }

    /**
     * Before the node says it is ready, the partitions it joined with must have their backups in sync: in a
     * rolling update the orchestrator stops the next node only once this one is ready, and stopping it in
     * the middle of a migration could lose the only copy of some entries. Bounded: a node alone is always
     * safe; after 120 s it goes ready anyway (and mqtt_cluster_safe says it is not).
     */
    static void awaitLocalMemberSafe(ClusterNode cluster) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            try {
                if (cluster.hazelcast().getPartitionService().isLocalMemberSafe()) {
                    return;
                }
                Thread.sleep(200); // start-up, on the starting thread: blocking is fine here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                return;
            }
        }
        log.warn("event=ready_before_backups_in_sync node={}", cluster.nodeName());
    }

    /** Exceptions no handler caught: a bug, logged whole. */
    static void unhandled(Throwable t) {
        log.error("event=unhandled_exception error=\"{}\"", t.toString(), t);
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.await(60, TimeUnit.SECONDS);
    }

    static int freePort() throws Exception {
        return io.mqttcluster.cluster.Ports.pickFree();
    }

    public synchronized boolean stopped() {
        return stopped;
    }

    public int mqttPort() {
        return mqttPort;
    }

    /** The port of a listener, or -1 when it is off. */
    public int port(MqttListener.Transport transport) {
        return ports.getOrDefault(transport, -1);
    }

    public int httpPort() {
        return http.actualPort();
    }

    /** The expiry sweep of this node (tests run it on demand). */
    public SessionExpiry expiry() {
        return expiry;
    }

    public Broker broker() {
        return broker;
    }

    public ClusterNode cluster() {
        return cluster;
    }

    public BrokerConfig config() {
        return config;
    }

    public Vertx vertx() {
        return vertx;
    }

    /**
     * Graceful stop: no new clients; every connection closed as a server shutdown (its session released,
     * its will published, while the cluster member is still up); then Vert.x and the cluster member.
     * Blocking.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        broker.state().drain();
        coordinator.stop();
        expiry.stop();
        sys.stop();
        try {
            server.stopAccepting().await(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("event=listener_close_slow error={}", e.toString());
        }
        List<Future<Void>> closing = new ArrayList<>();
        for (io.mqttcluster.broker.protocol.ClientProtocol ch : broker.sessions().channels()) {
            closing.add(ch.shutdown());
        }
        try {
            if (!closing.isEmpty()) {
                Future.join(closing).await(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            log.warn("event=shutdown_close_slow connections={} error={}", closing.size(), e.toString());
        }
        server.closeAll();
        try {
            vertx.close().await(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("event=vertx_close_failed error={}", e.toString());
        }
        cluster.close();
        log.info("event=broker_stopped node={}", config.nodeName());
    }

    @Override
    public void close() {
        stop();
    }
}
