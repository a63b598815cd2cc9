package io.mqttcluster.gateway.metrics;

import io.mqttcluster.gateway.backend.BackendNode;
import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.backend.NodeListener;
import io.mqttcluster.gateway.backend.NodeState;
import io.mqttcluster.gateway.backend.NodeTable;
import io.mqttcluster.gateway.connect.ConnectInfo;
import io.mqttcluster.gateway.connect.ReasonCodes;
import io.mqttcluster.gateway.hash.RouteReason;
import io.mqttcluster.gateway.proxy.ProxyMetrics;
import io.mqttcluster.gateway.proxy.RejectReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's own meters. Prometheus names (Micrometer's dotted names are shown as Prometheus
 * writes them):
 * <ul>
 * <li>{@code gateway_connections{node}}: gauge, client connections spliced to the node now</li>
 * <li>{@code gateway_connections_accepted_total}: TCP connections accepted (before limits)</li>
 * <li>{@code gateway_rejected_connections_total{reason}}: refused connections, by
 * {@link RejectReason}</li>
 * <li>{@code gateway_accepts_delayed_total{limit}}: accepted connections made to wait for their turn under an
 * accept rate ({@code listener}: limits.accept-rate, {@code source}: limits.rate-per-source) instead of being
 * closed</li>
 * <li>{@code gateway_accept_delay_seconds}: histogram of those waits</li>
 * <li>{@code gateway_client_id_bans_total}: bans of flapping client ids started (their refused CONNECTs are in
 * {@code gateway_rejected_connections_total{reason="client_id_banned"}})</li>
 * <li>{@code gateway_routing_decisions_total{reason}}: spliced connections, by
 * {@link RouteReason}</li>
 * <li>{@code gateway_bytes_total{direction}}: bytes forwarded, client_to_node / node_to_client</li>
 * <li>{@code gateway_node_connect_seconds}: histogram of successful TCP connects to nodes</li>
 * <li>{@code gateway_healthy_nodes}: gauge, nodes that take new clients (up, ready, listed)</li>
 * <li>{@code gateway_node_up{node}}: gauge, 1 while the node passes its checks (ready or
 * draining), else 0</li>
 * <li>{@code gateway_node_draining{node}}: gauge, 1 while the node is drained (not ready, or no
 * longer listed)</li>
 * <li>{@code gateway_moved_connections_total{reason}}: connections closed to move their clients,
 * by {@link MoveReason}</li>
 * <li>{@code gateway_connects_total{protocol}}: valid CONNECTs read, by protocol: 3.1, 3.1.1, 5.0</li>
 * <li>{@code gateway_protocol_connections{protocol}}: gauge, client connections spliced to a node now, by
 * protocol (summed, the same as {@code gateway_connections} summed over its nodes)</li>
 * <li>{@code gateway_connacks_sent_total{reason_code}}: CONNACKs the gateway itself sent to MQTT 5.0 clients to
 * refuse them, by reason code ({@code 0x81}, {@code 0x82}, {@code 0x88}, {@code 0x95}, {@code 0x9f})</li>
 * <li>{@code gateway_disconnects_sent_total{reason_code}}: DISCONNECTs the gateway itself sent to MQTT 5.0
 * clients it moved, by reason code ({@code 0x8b} drain, {@code 0x9c} rebalance)</li>
 * </ul>
 * No meter has a per-client label. Counters are safe from any thread (Micrometer's are
 * lock-free); per-node gauges are registered and removed on the control event loop as a
 * {@link NodeListener}.
 */
public final class GatewayMetrics implements ProxyMetrics, NodeListener {
    private final MeterRegistry registry;
    private final Counter accepted;
    private final Map<String, Counter> acceptsDelayed = new ConcurrentHashMap<>();
    private final Timer acceptDelay;
    private final Counter clientIdBans;
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
    private final Map<RouteReason, Counter> routed = new EnumMap<>(RouteReason.class);
    private final Map<MoveReason, Counter> moved = new EnumMap<>(MoveReason.class);
    private final Counter bytesClientToNode;
    private final Counter bytesNodeToClient;
    private final Timer nodeConnect;
    private final Map<BackendNode, List<Meter>> nodeMeters = new ConcurrentHashMap<>();
    /** By protocol level 3, 4, 5 (index). */
    private final Counter[] connects = new Counter[6];
    private final AtomicInteger[] spliced = new AtomicInteger[6];
    private final Map<Integer, Counter> connacksSent = new ConcurrentHashMap<>();
    private final Map<Integer, Counter> disconnectsSent = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry, NodeTable table) {
        this.registry = registry;
        accepted = Counter.builder("gateway.connections.accepted")
                .description("TCP connections accepted from clients, before limits")
                .register(registry);
        for (String limit : new String[] {"listener", "source"}) {
            acceptsDelayed.put(limit, Counter.builder("gateway.accepts.delayed")
                    .description("Accepted connections made to wait for their turn under an accept rate instead of being closed")
                    .tag("limit", limit).register(registry));
        }
        acceptDelay = Timer.builder("gateway.accept.delay")
                .description("How long accepted connections waited for their turn under an accept rate")
                .serviceLevelObjectives(ms(10), ms(50), ms(100), ms(250), ms(500), ms(1000), ms(2500), ms(5000),
                        ms(10000), ms(30000))
                .register(registry);
        clientIdBans = Counter.builder("gateway.client.id.bans")
                .description("Client ids banned for connecting too often (flapping), bans started")
                .register(registry);
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r, Counter.builder("gateway.rejected.connections")
                    .description("Client connections refused, by reason")
                    .tag("reason", r.label()).register(registry));
        }
        for (RouteReason r : RouteReason.values()) {
            routed.put(r, Counter.builder("gateway.routing.decisions")
                    .description("Client connections spliced to a node, by why that node")
                    .tag("reason", r.label()).register(registry));
        }
        for (MoveReason r : MoveReason.values()) {
            moved.put(r, Counter.builder("gateway.moved.connections")
                    .description("Spliced connections closed so that their clients reconnect elsewhere")
                    .tag("reason", r.label()).register(registry));
        }
        bytesClientToNode = Counter.builder("gateway.bytes").description("Bytes forwarded")
                .tag("direction", "client_to_node").register(registry);
        bytesNodeToClient = Counter.builder("gateway.bytes").description("Bytes forwarded")
                .tag("direction", "node_to_client").register(registry);
        nodeConnect = Timer.builder("gateway.node.connect")
                .description("Time to open a TCP connection to a node")
                .serviceLevelObjectives(ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100), ms(250),
                        ms(500), ms(1000), ms(2500), ms(5000))
                .register(registry);
        for (int level = 3; level <= 5; level++) {
            String protocol = ConnectInfo.protocolLabel(level);
            connects[level] = Counter.builder("gateway.connects")
                    .description("Valid CONNECT packets read from clients, by MQTT protocol version")
                    .tag("protocol", protocol).register(registry);
            spliced[level] = new AtomicInteger();
            Gauge.builder("gateway.protocol.connections", spliced[level], AtomicInteger::get)
                    .description("Client connections spliced to a node now, by MQTT protocol version")
                    .tag("protocol", protocol).strongReference(true).register(registry);
        }
        for (int code : new int[] {ReasonCodes.MALFORMED_PACKET, ReasonCodes.PROTOCOL_ERROR, ReasonCodes.SERVER_UNAVAILABLE,
                ReasonCodes.PACKET_TOO_LARGE, ReasonCodes.CONNECTION_RATE_EXCEEDED}) {
            connackSentCounter(code);
        }
        for (int code : new int[] {ReasonCodes.SERVER_SHUTTING_DOWN, ReasonCodes.USE_ANOTHER_SERVER}) {
            disconnectSentCounter(code);
        }
        Gauge.builder("gateway.healthy.nodes", table, t -> t.candidates().size())
                .description("Nodes that take new clients: up, ready and listed")
                .strongReference(true)
                .register(registry);
    }

    private Counter connackSentCounter(int code) {
        return connacksSent.computeIfAbsent(code, c -> Counter.builder("gateway.connacks.sent")
                .description("CONNACK packets the gateway sent to MQTT 5.0 clients to refuse them, by reason code")
                .tag("reason_code", ReasonCodes.label(c)).register(registry));
    }

    private Counter disconnectSentCounter(int code) {
        return disconnectsSent.computeIfAbsent(code, c -> Counter.builder("gateway.disconnects.sent")
                .description("DISCONNECT packets the gateway sent to MQTT 5.0 clients it moved, by reason code")
                .tag("reason_code", ReasonCodes.label(c)).register(registry));
    }

    private static Duration ms(long n) {
        return Duration.ofMillis(n);
    }

    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public void accepted() {
        accepted.increment();
    }

    @Override
    public void rejected(RejectReason reason) {
        rejected.get(reason).increment();
    }

    @Override
    public void acceptDelayed(String limit, long nanos) {
        acceptsDelayed.get(limit).increment();
        acceptDelay.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Accepted connections that waited under an accept rate ({@code listener} or {@code source}). */
    public double acceptsDelayedCount(String limit) {
        return acceptsDelayed.get(limit).count();
    }

    /** The longest wait imposed under an accept rate so far, in seconds. */
    public double acceptDelayMaxSeconds() {
        return acceptDelay.max(TimeUnit.SECONDS);
    }

    @Override
    public void clientIdBanned() {
        clientIdBans.increment();
    }

    public double clientIdBansCount() {
        return clientIdBans.count();
    }

    @Override
    public void routed(RouteReason reason) {
        routed.get(reason).increment();
    }

    @Override
    public void moved(MoveReason reason) {
        moved.get(reason).increment();
    }

    @Override
    public void bytesClientToNode(int n) {
        bytesClientToNode.increment(n);
    }

    @Override
    public void bytesNodeToClient(int n) {
        bytesNodeToClient.increment(n);
    }

    @Override
    public void nodeConnected(long nanos) {
        nodeConnect.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void connectRead(int protocolLevel) {
        if (protocolLevel >= 3 && protocolLevel <= 5) {
            connects[protocolLevel].increment();
        }
    }

    @Override
    public void splicedChanged(int protocolLevel, int delta) {
        if (protocolLevel >= 3 && protocolLevel <= 5) {
            spliced[protocolLevel].addAndGet(delta);
        }
    }

    @Override
    public void connackSent(int reasonCode) {
        connackSentCounter(reasonCode).increment();
    }

    @Override
    public void disconnectSent(int reasonCode) {
        disconnectSentCounter(reasonCode).increment();
    }

    /** Valid CONNECTs read at this protocol level (3, 4, 5). */
    public double connectCount(int protocolLevel) {
        return connects[protocolLevel].count();
    }

    /** Connections spliced now at this protocol level (3, 4, 5). */
    public int splicedCount(int protocolLevel) {
        return spliced[protocolLevel].get();
    }

    public double connacksSentCount(int reasonCode) {
        Counter c = connacksSent.get(reasonCode);
        return c == null ? 0 : c.count();
    }

    public double disconnectsSentCount(int reasonCode) {
        Counter c = disconnectsSent.get(reasonCode);
        return c == null ? 0 : c.count();
    }

    public double rejectedCount(RejectReason reason) {
        return rejected.get(reason).count();
    }

    public double routedCount(RouteReason reason) {
        return routed.get(reason).count();
    }

    public double movedCount(MoveReason reason) {
        return moved.get(reason).count();
    }

    public double acceptedCount() {
        return accepted.count();
    }

    @Override
    public void nodeAdded(BackendNode node) {
        String key = node.key();
        List<Meter> meters = List.of(
                Gauge.builder("gateway.connections", node, BackendNode::connectionCount)
                        .description("Client connections spliced to the node now")
                        .tag("node", key).strongReference(true).register(registry),
                Gauge.builder("gateway.node.up", node, n -> n.state() == NodeState.DOWN ? 0 : 1)
                        .description("1 while the node passes its health checks (ready or draining)")
                        .tag("node", key).strongReference(true).register(registry),
                Gauge.builder("gateway.node.draining", node, n -> n.draining() ? 1 : 0)
                        .description("1 while the node's clients are being drained (not ready or unlisted)")
                        .tag("node", key).strongReference(true).register(registry));
        nodeMeters.put(node, meters);
    }

    @Override
    public void nodeRemoved(BackendNode node) {
        List<Meter> meters = nodeMeters.remove(node);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }
}
