package io.mqttcluster.broker;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mqttcluster.broker.cluster.BusReceiver;
import io.mqttcluster.broker.cluster.ClusterCoordinator;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.connection.BadInputLog;
import io.mqttcluster.broker.connection.MqttListener;
import io.mqttcluster.broker.connection.VertxNoiseFilter;
import io.mqttcluster.broker.http.HttpEndpoint;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.cluster.ClusterNode;
import io.mqttcluster.cluster.ClusterSettings;
import io.mqttcluster.cluster.forward.ClusterBus;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

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
    private final List<String> deployments;
    private final ClusterCoordinator coordinator;

    private BrokerNode(BrokerConfig config, ClusterNode cluster, Vertx vertx, Broker broker, HttpEndpoint http,
                       int mqttPort, List<String> deployments, ClusterCoordinator coordinator) {
        this.config = config;
        this.cluster = cluster;
        this.vertx = vertx;
        this.broker = broker;
        this.http = http;
        this.mqttPort = mqttPort;
        this.deployments = deployments;
        this.coordinator = coordinator;
    }

    /** Starts a node and returns once it accepts MQTT connections. Blocking. */
    public static BrokerNode start(BrokerConfig config) throws Exception {
        long t0 = System.nanoTime();
        VertxNoiseFilter.install();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("node", config.nodeName());
        int clusterPort = config.clusterPort() == 0 ? freePort() : config.clusterPort();
        String nodeId = UUID.randomUUID().toString();
        Vertx vertx = Vertx.builder()
                .with(new VertxOptions().setEventLoopPoolSize(config.eventLoops())
                        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
                .withMetrics(new MicrometerMetricsFactory(registry))
                .build();
        vertx.exceptionHandler(BrokerNode::unhandled);
        ClusterNode cluster = null;
        try {
            // the bus listens first: its address is advertised to the other nodes when this one joins
            BusReceiver receiver = new BusReceiver();
            ClusterBus bus = new ClusterBus(vertx, nodeId, receiver);
            String advertised = config.clusterPublicHost().isBlank() ? config.clusterHost() : config.clusterPublicHost();
            int busPort = await(bus.listen(config.clusterHost(), config.busPort()));
            cluster = ClusterNode.start(new ClusterSettings(config.clusterName(), nodeId, config.nodeName(),
                    advertised + ":" + busPort, config.clusterHost(), config.clusterPublicHost(), clusterPort,
                    config.clusterMembers(), config.kubernetesServiceDns(), config.quorum(), config.backupCount(),
                    config.heartbeatSeconds(), config.maxNoHeartbeatSeconds()));
            BrokerMetrics metrics = new BrokerMetrics(registry);
            Broker broker = new Broker(config, cluster, metrics, vertx, bus);
            receiver.attach(broker);
            ClusterCoordinator coordinator = new ClusterCoordinator(broker);
            coordinator.start();
            metrics.gauge("mqtt.subscriptions", "Subscriptions of clients connected to this node",
                    () -> broker.router().localSubscriptionCount());
            metrics.gauge("mqtt.retained.messages", "Retained messages in the cluster", () -> broker.cluster().retained().size());
            metrics.gauge("mqtt.cluster.members", "Members of the cluster as this node sees it", () -> broker.cluster().memberCount());
            metrics.gauge("mqtt.sessions", "Sessions connected to this node", "state", "connected",
                    () -> broker.sessions().connectedCount());

            List<String> deployments = new ArrayList<>();
            // one listener per event loop on one port; Vert.x shares a random port between servers that ask
            // for the same negative port, so 0 ("pick one") becomes -1 for all of them
            int listenPort = config.mqttPort() == 0 ? -1 : config.mqttPort();
            MqttListener first = new MqttListener(broker, listenPort);
            deployments.add(await(vertx.deployVerticle(first)));
            int port = first.actualPort();
            for (int i = 1; i < config.eventLoops(); i++) {
                deployments.add(await(vertx.deployVerticle(new MqttListener(broker, listenPort), new DeploymentOptions())));
            }
            HttpEndpoint http = new HttpEndpoint(broker, registry);
            await(http.start(vertx, config.httpHost(), config.httpPort()));
            broker.ready(true);
            log.info("event=broker_started node={} node_id={} mqtt_port={} http_port={} cluster_port={} bus_port={} members={} startup_ms={}",
                    config.nodeName(), nodeId, port, http.actualPort(), clusterPort, busPort, cluster.memberCount(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            return new BrokerNode(config, cluster, vertx, broker, http, port, deployments, coordinator);
        } catch (Exception | Error e) {
            vertx.close().await(10, TimeUnit.SECONDS);
            if (cluster != null) {
                cluster.close();
            }
            throw e;
        }
    }

    /**
     * Exceptions no handler caught. vertx-mqtt throws one for every client whose first packet is not
     * CONNECT: that is bad input, reported as one rate-limited line; anything else is a bug and logged whole.
     */
    static void unhandled(Throwable t) {
        StackTraceElement[] st = t.getStackTrace();
        if (t instanceof IllegalArgumentException && st.length > 0 && st[0].getClassName().startsWith("io.vertx.mqtt.")) {
            BadInputLog.report("-", t);
            return;
        }
        log.error("event=unhandled_exception error=\"{}\"", t.toString(), t);
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.await(60, TimeUnit.SECONDS);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int mqttPort() {
        return mqttPort;
    }

    public int httpPort() {
        return http.actualPort();
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

    /** Graceful stop: no new clients, listeners closed, then Vert.x and the cluster member. Blocking. */
    public void stop() {
        broker.drain();
        coordinator.stop();
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
