package io.mqttcluster.gateway;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mqttcluster.gateway.backend.CompositeDiscovery;
import io.mqttcluster.gateway.backend.DnsDiscovery;
import io.mqttcluster.gateway.backend.NodeDiscovery;
import io.mqttcluster.gateway.backend.NodeMonitor;
import io.mqttcluster.gateway.backend.NodeTable;
import io.mqttcluster.gateway.backend.StaticDiscovery;
import io.mqttcluster.gateway.config.GatewayOptions;
import io.mqttcluster.gateway.http.AdminHttpServer;
import io.mqttcluster.gateway.metrics.GatewayMetrics;
import io.mqttcluster.gateway.metrics.RateLimitedLog;
import io.mqttcluster.gateway.proxy.ConnectionLimit;
import io.mqttcluster.gateway.proxy.ConnectionMover;
import io.mqttcluster.gateway.proxy.GatewayServerVerticle;
import io.mqttcluster.gateway.proxy.ProxyServices;
import io.mqttcluster.gateway.proxy.SourceRateLimiter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway: its own Vert.x instance, the MQTT listener (one server verticle per event loop on
 * one port), the control verticle (discovery, health, moving connections) and the HTTP endpoint.
 * Start it in-process from a test with ports 0 and read the bound ports back:
 *
 * <pre>{@code
 * Gateway g = new Gateway(new GatewayOptions().setPort(0).setHttpPort(0).setNodes(List.of("127.0.0.1:1883")));
 * g.start().toCompletionStage().toCompletableFuture().get(30, SECONDS);
 * int port = g.mqttPort();
 * ...
 * g.stop();
 * }</pre>
 *
 * <p>Threads: {@link #start} and {@link #stop} may be called from any thread (not an event loop of
 * this gateway); they return futures. Accessors are safe from any thread after start completed.
 */
public final class Gateway {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final int PORT_PICK_ATTEMPTS = 5;

    private final GatewayOptions options;
    private final NodeDiscovery discoveryOverride;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final NodeTable nodes = new NodeTable();
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private GatewayMetrics metrics;
    private ConnectionLimit connectionLimit;
    private Vertx vertx;
    private JvmGcMetrics gcMetrics;
    private volatile int mqttPort = -1;
    private volatile int httpPort = -1;

    private enum State { NEW, STARTING, STARTED, STOPPED }

    public Gateway(GatewayOptions options) {
        this(options, null);
    }

    /**
     * @param discovery the nodes' source, replacing the one built from {@code options} (tests);
     *                  null for the configured one
     */
    public Gateway(GatewayOptions options, NodeDiscovery discovery) {
        this.options = options.validate();
        this.discoveryOverride = discovery;
    }

    /** Binds the listeners, learns the nodes and checks them once; completes when ready to serve. */
    public Future<Void> start() {
        if (!state.compareAndSet(State.NEW, State.STARTING)) {
            return Future.failedFuture(new IllegalStateException("a Gateway starts once"));
        }
        MicrometerMetricsOptions metricsOptions = new MicrometerMetricsOptions();
        metricsOptions.setEnabled(true);
        metricsOptions.setJvmMetricsEnabled(false);
        metricsOptions.addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
        VertxOptions vertxOptions = new VertxOptions().setMetricsOptions(metricsOptions).setPreferNativeTransport(true);
        if (options.eventLoops() > 0) {
            vertxOptions.setEventLoopPoolSize(options.eventLoops());
        }
        vertx = Vertx.builder().with(vertxOptions).withMetrics(new MicrometerMetricsFactory(registry)).build();
        bindJvmMetrics();

        metrics = new GatewayMetrics(registry, nodes);
        connectionLimit = new ConnectionLimit(options.maxConnections());
        SourceRateLimiter rateLimiter = new SourceRateLimiter(options.ratePerSource(), options.burstPerSource(), System::nanoTime);
        ProxyServices px = new ProxyServices(options, nodes, metrics, connectionLimit, rateLimiter,
                new RateLimitedLog(options.logRejectionsPerSecond(), System::nanoTime));
        // One client for every node connection and TCP health check: one set of Vert.x net client
        // meters, and a connection opened from an event loop stays on that event loop.
        NetClient nodeClient = vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.nodeConnectTimeout().toMillis()))
                .setTcpNoDelay(true)
                .setTcpKeepAlive(true));
        ConnectionMover mover = new ConnectionMover(options, nodes, System::nanoTime);
        NodeMonitor monitor = new NodeMonitor(options, nodes, discovery(), nodeClient, List.of(metrics, mover));
        int instances = vertxOptions.getEventLoopPoolSize();

        return vertx.deployVerticle(new ControlVerticle(monitor, mover, rateLimiter))
                .compose(id -> deployServers(px, nodeClient, instances, PORT_PICK_ATTEMPTS))
                .compose(x -> {
                    AdminHttpServer http = new AdminHttpServer(options.httpBindAddress(), options.httpPort(), nodes, registry);
                    return vertx.deployVerticle(http).map(y -> http.actualPort());
                })
                .<Void>map(port -> {
                    httpPort = port;
                    state.set(State.STARTED);
                    LOG.info("event=gateway_started mqtt_port={} http_port={} event_loops={} nodes={} ready_nodes={} proxy_protocol={} rebalance={}",
                            mqttPort, httpPort, instances, nodes.keys().size(), nodes.candidates().size(),
                            options.proxyProtocol(), options.rebalanceEnabled());
                    return null;
                })
                .recover(e -> {
                    LOG.error("event=gateway_start_failed error={}", String.valueOf(e.getMessage()));
                    closeVertx();
                    return Future.failedFuture(e);
                });
    }

    /**
     * Deploys one server verticle per event loop on one port. Vert.x shares a listening port
     * between instances only when they ask for the same port number, so port 0 is first turned
     * into a free port (tried again if another process takes it meanwhile).
     */
    private Future<Void> deployServers(ProxyServices px, NetClient nodeClient, int instances, int attemptsLeft) {
        boolean pick = options.port() == 0;
        int port;
        try {
            port = pick ? freePort(options.bindAddress()) : options.port();
        } catch (IOException e) {
            return Future.failedFuture(e);
        }
        return vertx.deployVerticle(() -> new GatewayServerVerticle(px, nodeClient, port),
                        new DeploymentOptions().setInstances(instances))
                .<Void>map(id -> {
                    mqttPort = port;
                    return null;
                })
                .recover(e -> pick && attemptsLeft > 1
                        ? deployServers(px, nodeClient, instances, attemptsLeft - 1)
                        : Future.failedFuture(e));
    }

    private static int freePort(String bindAddress) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(bindAddress))) {
            return s.getLocalPort();
        }
    }

    private NodeDiscovery discovery() {
        if (discoveryOverride != null) {
            return discoveryOverride;
        }
        List<NodeDiscovery> parts = new ArrayList<>();
        if (!options.nodes().isEmpty()) {
            parts.add(new StaticDiscovery(options.staticNodes()));
        }
        if (!options.dnsName().isBlank()) {
            parts.add(new DnsDiscovery(vertx, options.dnsName(), options.nodeMqttPort(), options.nodeHttpPort(),
                    options.dnsNodeKey(), DnsDiscovery.JDK));
        }
        return parts.size() == 1 ? parts.get(0) : new CompositeDiscovery(parts);
    }

    private void bindJvmMetrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Closes the listeners and every connection. */
    public Future<Void> stop() {
        State was = state.getAndSet(State.STOPPED);
        if (was == State.STOPPED || was == State.NEW) {
            return Future.succeededFuture();
        }
        LOG.info("event=gateway_stopping connections={}", connectionLimit == null ? 0 : connectionLimit.open());
        return closeVertx();
    }

    private Future<Void> closeVertx() {
        if (gcMetrics != null) {
            gcMetrics.close();
        }
        return vertx == null ? Future.succeededFuture() : vertx.close();
    }

    /** The MQTT port bound (useful with port 0); -1 before start. */
    public int mqttPort() {
        return mqttPort;
    }

    /** The HTTP port bound; -1 before start. */
    public int httpPort() {
        return httpPort;
    }

    public GatewayOptions options() {
        return options;
    }

    public NodeTable nodes() {
        return nodes;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Client connections open now, in any phase. */
    public int openConnections() {
        return connectionLimit == null ? 0 : connectionLimit.open();
    }
}
