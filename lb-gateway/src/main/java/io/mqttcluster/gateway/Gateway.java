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
import io.mqttcluster.gateway.log.RateLimitedLog;
import io.mqttcluster.gateway.proxy.ConnectionLimit;
import io.mqttcluster.gateway.proxy.ConnectionMover;
import io.mqttcluster.gateway.proxy.FlappingDetector;
import io.mqttcluster.gateway.proxy.GatewayTls;
import io.mqttcluster.gateway.proxy.MqttListener;
import io.mqttcluster.gateway.proxy.ProxyServices;
import io.mqttcluster.gateway.proxy.SourceRateLimiter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
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

    private final GatewayOptions options;
    private final NodeDiscovery discoveryOverride;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final NodeTable nodes = new NodeTable();
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private GatewayMetrics metrics;
    private ConnectionLimit connectionLimit;
    private Vertx vertx;
    private MqttListener listener;
    private JvmGcMetrics gcMetrics;
    private volatile int mqttPort = -1;
    private volatile int tlsPort = -1;
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
        // one event loop per core, as HAProxy and NGINX run (Vert.x's default of two per core costs the
        // splice about 10% of its throughput on 2 cores: smaller read batches, more switches)
        vertxOptions.setEventLoopPoolSize(options.eventLoops() > 0 ? options.eventLoops()
                : Runtime.getRuntime().availableProcessors());
        vertx = Vertx.builder().with(vertxOptions).withMetrics(new MicrometerMetricsFactory(registry)).build();
        bindJvmMetrics();

        metrics = new GatewayMetrics(registry, nodes);
        connectionLimit = new ConnectionLimit(options.maxConnections());
        ConnectionLimit open = connectionLimit;
        io.micrometer.core.instrument.Gauge.builder("gateway_open_connections", open, ConnectionLimit::open)
                .description("client connections open now, in any phase (reading CONNECT, connecting, spliced)")
                .register(registry);
        SourceRateLimiter rateLimiter = new SourceRateLimiter(options.ratePerSource(), options.burstPerSource(), System::nanoTime);
        FlappingDetector flapping = new FlappingDetector(options.flappingMaxConnects(), options.flappingWindow(),
                options.flappingBan(), options.flappingMaxClientIds(), System::nanoTime);
        io.micrometer.core.instrument.Gauge.builder("gateway_banned_client_ids", flapping, FlappingDetector::banned)
                .description("client ids banned now for connecting too often (flapping)")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("gateway_flapping_tracked_client_ids", flapping, FlappingDetector::tracked)
                .description("client ids whose recent CONNECTs are counted now (limits.flapping.max-client-ids at most)")
                .register(registry);
        ProxyServices px = new ProxyServices(options, nodes, metrics, connectionLimit, rateLimiter, flapping,
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

        return vertx.deployVerticle(new ControlVerticle(monitor, mover, rateLimiter, flapping))
                .compose(id -> {
                    listener = new MqttListener(px, vertx);
                    MqttListener l = listener;
                    io.micrometer.core.instrument.Gauge.builder("gateway_accepts_waiting", l, MqttListener::acceptWaiting)
                            .description("accepted connections waiting for their turn under an accept rate now, not read yet")
                            .register(registry);
                    io.micrometer.core.instrument.Gauge.builder("gateway_accept_delay_current_seconds", l,
                                    x -> x.acceptWaitNanos() / 1e9)
                            .description("how long a connection accepted now would wait for its turn under limits.accept-rate")
                            .register(registry);
                    return listener.listen(options.bindAddress(), options.port());
                })
                .compose(port -> {
                    mqttPort = port;
                    if (!options.tlsEnabled()) {
                        return Future.succeededFuture();
                    }
                    GatewayTls tls = GatewayTls.load(options);
                    vertx.setPeriodic(options.tlsReloadInterval().toMillis(),
                            t -> vertx.executeBlocking(() -> {
                                tls.reloadIfChanged();
                                return null;
                            }, false));
                    return listener.listen(options.bindAddress(), options.tlsPort(), tls).map(p -> {
                        tlsPort = p;
                        return null;
                    });
                })
                .compose(x -> {
                    AdminHttpServer http = new AdminHttpServer(options.httpBindAddress(), options.httpPort(), nodes, registry);
                    return vertx.deployVerticle(http).map(y -> http.actualPort());
                })
                .<Void>map(port -> {
                    httpPort = port;
                    state.set(State.STARTED);
                    LOG.info("event=gateway_started mqtt_port={} tls_port={} http_port={} event_loops={} nodes={} ready_nodes={} proxy_protocol={} rebalance={}",
                            mqttPort, tlsPort, httpPort, instances, nodes.keys().size(), nodes.candidates().size(),
                            options.proxyProtocol(), options.rebalanceEnabled());
                    return null;
                })
                .recover(e -> {
                    LOG.error("event=gateway_start_failed error={}", String.valueOf(e.getMessage()));
                    closeVertx();
                    return Future.failedFuture(e);
                });
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
        if (vertx == null) {
            return Future.succeededFuture();
        }
        Future<Void> stopAccepting = listener == null ? Future.succeededFuture() : listener.close();
        return stopAccepting.eventually(() -> vertx.close());
    }

    /** The MQTT port bound (useful with port 0); -1 before start. */
    public int mqttPort() {
        return mqttPort;
    }

    /** The TLS port bound; -1 when TLS is off or before start. */
    public int tlsPort() {
        return tlsPort;
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
