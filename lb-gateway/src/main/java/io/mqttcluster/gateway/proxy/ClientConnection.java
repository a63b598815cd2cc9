package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.backend.BackendNode;
import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.backend.NodeConnection;
import io.mqttcluster.gateway.backend.NodeState;
import io.mqttcluster.gateway.connect.ConnectInfo;
import io.mqttcluster.gateway.connect.ConnectReader;
import io.mqttcluster.gateway.hash.NodeChooser;
import io.mqttcluster.gateway.hash.RouteReason;
import io.mqttcluster.gateway.metrics.GatewayMetrics;
import io.mqttcluster.gateway.metrics.LogValues;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection through the gateway, from accept to close; the only place that closes
 * one (with its log line and metrics).
 *
 * <p>Phases: SNIFFING (read the CONNECT under a deadline and a size cap) -> CONNECTING (try the
 * nodes in rendezvous order, client paused) -> SPLICED (bytes both ways with back-pressure) ->
 * CLOSED. Either side closing closes the other.
 *
 * <p>Threads: everything runs on the event loop of the client socket, which is also the event
 * loop of the node socket (the node connection is opened from it). Only {@link #requestMove} may
 * be called from elsewhere; it hops onto that event loop.
 */
public final class ClientConnection implements NodeConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
    private static final byte[] NO_ID = new byte[0];

    private enum Phase { SNIFFING, CONNECTING, SPLICED, CLOSED }

    private final ProxyServices px;
    private final GatewayMetrics metrics;
    private final Vertx vertx;
    private final Context context;
    private final NetClient nodeClient;
    private final NetSocket client;
    private final String remote;
    private final long startedNanos = System.nanoTime();
    private final AtomicBoolean moveRequested = new AtomicBoolean();

    private volatile Phase phase = Phase.SNIFFING;
    private ConnectReader reader;
    private Buffer heldWhileConnecting;
    private long deadlineTimer = -1;
    private ConnectInfo connect;
    private byte[] clientId = NO_ID;
    private BackendNode node;
    private NetSocket nodeSocket;

    ClientConnection(ProxyServices px, Vertx vertx, Context context, NetClient nodeClient, NetSocket client) {
        this.px = px;
        this.metrics = px.metrics();
        this.vertx = vertx;
        this.context = context;
        this.nodeClient = nodeClient;
        this.client = client;
        this.remote = String.valueOf(client.remoteAddress());
        this.reader = new ConnectReader(px.options().connectMaxSize());
    }

    /**
     * Refuses a connection that never became a {@code ClientConnection} (limits at accept time).
     */
    static void refuse(ProxyServices px, NetSocket socket, RejectReason reason) {
        px.metrics().rejected(reason);
        logRejected(px, reason, String.valueOf(socket.remoteAddress()), null, "");
        socket.close();
    }

    /** Starts reading the CONNECT; called on the accepting event loop. */
    void start() {
        client.handler(this::onClientBytes);
        client.closeHandler(v -> close("client_closed"));
        client.exceptionHandler(e -> close("client_error"));
        deadlineTimer = vertx.setTimer(px.options().connectTimeout().toMillis(), id -> {
            deadlineTimer = -1;
            if (phase == Phase.SNIFFING) {
                reject(RejectReason.CONNECT_TIMEOUT, "no complete CONNECT within " + px.options().connectTimeout().toMillis() + "ms");
            }
        });
    }

    private void onClientBytes(Buffer data) {
        if (phase == Phase.CONNECTING) {
            // Normally the socket is paused by now; keep anything already read, under the same cap.
            heldWhileConnecting = heldWhileConnecting == null ? Buffer.buffer() : heldWhileConnecting;
            heldWhileConnecting.appendBuffer(data);
            if (heldWhileConnecting.length() > px.options().connectMaxSize()) {
                reject(RejectReason.OVERSIZE, "too many bytes while connecting to a node");
            }
            return;
        }
        if (phase != Phase.SNIFFING) {
            return;
        }
        ConnectReader.Status status = reader.feed(data.getBytes());
        switch (status) {
            case NEED_MORE -> {
            }
            case INVALID -> reject(RejectReason.INVALID_CONNECT, reader.failure());
            case OVERSIZE -> reject(RejectReason.OVERSIZE, reader.failure());
            case COMPLETE -> onConnect(reader.connect());
        }
    }

    private void onConnect(ConnectInfo info) {
        phase = Phase.CONNECTING;
        client.pause();
        cancelDeadline();
        connect = info;
        clientId = info.clientId().getBytes(StandardCharsets.UTF_8);
        warnIfIdleTimeoutTooShort(info);
        List<BackendNode> candidates = px.nodes().candidates();
        if (candidates.isEmpty()) {
            reject(RejectReason.NO_HEALTHY_NODE, "no node is up and ready");
            return;
        }
        List<BackendNode> order = NodeChooser.order(clientId, candidates);
        int attempts = Math.min(order.size(), px.options().nodeMaxAttempts());
        tryNode(order, 0, attempts);
    }

    private void tryNode(List<BackendNode> order, int index, int attempts) {
        if (phase != Phase.CONNECTING) {
            return;
        }
        if (index >= attempts) {
            reject(RejectReason.NODE_UNREACHABLE, "tried " + attempts + " node(s)");
            return;
        }
        BackendNode target = order.get(index);
        target.connecting();
        long t0 = System.nanoTime();
        nodeClient.connect(target.address().mqttPort(), target.address().host()).onComplete(ar -> { // on this event loop
            target.connectEnded();
            if (ar.failed()) {
                LOG.info("event=node_connect_failed node={} client_id={} attempt={} error={}", target.key(),
                        LogValues.quote(connect.clientId()), index + 1, LogValues.quote(String.valueOf(ar.cause().getMessage())));
                tryNode(order, index + 1, attempts);
                return;
            }
            metrics.nodeConnected(System.nanoTime() - t0);
            NetSocket socket = ar.result();
            if (phase != Phase.CONNECTING) {
                socket.close();
                return;
            }
            RouteReason reason = index == 0 ? NodeChooser.firstChoiceReason(clientId) : RouteReason.FALLBACK_NEXT_NODE;
            splice(target, socket, reason);
        });
    }

    private void splice(BackendNode target, NetSocket socket, RouteReason reason) {
        phase = Phase.SPLICED;
        node = target;
        nodeSocket = socket;
        target.connections().add(this);
        metrics.routed(reason);
        LOG.info("event=route client_id={} node={} reason={} protocol_level={} clean_start={} keepalive={} remote={}",
                LogValues.quote(connect.clientId()), target.key(), reason.label(), connect.protocolLevel(),
                connect.cleanStart(), connect.keepAliveSeconds(), remote);

        socket.closeHandler(v -> close("node_closed"));
        socket.exceptionHandler(e -> close("node_error"));

        Buffer first = Buffer.buffer(reader.receivedLength() + 64);
        if (px.options().proxyProtocol()) {
            first.appendBytes(proxyHeader());
        }
        first.appendBytes(reader.received());
        metrics.bytesClientToNode(reader.receivedLength());
        reader = null;
        if (heldWhileConnecting != null) {
            metrics.bytesClientToNode(heldWhileConnecting.length());
            first.appendBuffer(heldWhileConnecting);
            heldWhileConnecting = null;
        }
        socket.write(first);
        pipe(client, socket, metrics::bytesClientToNode);
        pipe(socket, client, metrics::bytesNodeToClient);
        client.resume();

        // A node that went down while we were connecting had its connections closed already:
        // this one must not stay.
        if (target.state() == NodeState.DOWN) {
            requestMove(MoveReason.NODE_DOWN);
        }
    }

    /** Copies {@code from} to {@code to}, pausing {@code from} while {@code to}'s write queue is full. */
    private static void pipe(NetSocket from, NetSocket to, IntConsumer bytes) {
        from.handler(data -> {
            bytes.accept(data.length());
            to.write(data);
            if (to.writeQueueFull()) {
                from.pause();
                to.drainHandler(v -> from.resume());
            }
        });
    }

    private byte[] proxyHeader() {
        SocketAddress src = client.remoteAddress();
        SocketAddress dst = client.localAddress();
        try {
            if (src == null || dst == null || src.hostAddress() == null || dst.hostAddress() == null) {
                return ProxyProtocolV2.local();
            }
            // IP literals: no DNS lookup happens here.
            return ProxyProtocolV2.header(InetAddress.getByName(src.hostAddress()), src.port(),
                    InetAddress.getByName(dst.hostAddress()), dst.port());
        } catch (UnknownHostException e) {
            return ProxyProtocolV2.local();
        }
    }

    @Override
    public byte[] clientIdBytes() {
        return clientId;
    }

    @Override
    public boolean requestMove(MoveReason reason) {
        if (phase == Phase.CLOSED || !moveRequested.compareAndSet(false, true)) {
            return false;
        }
        context.runOnContext(v -> {
            if (phase != Phase.SPLICED) {
                return;
            }
            metrics.moved(reason);
            LOG.info("event=connection_moved reason={} client_id={} node={}", reason.label(),
                    LogValues.quote(connect.clientId()), node.key());
            close("moved_" + reason.label());
        });
        return true;
    }

    private void reject(RejectReason reason, String detail) {
        if (phase == Phase.CLOSED) {
            return;
        }
        metrics.rejected(reason);
        logRejected(px, reason, remote, connect, detail);
        close("rejected_" + reason.label());
    }

    private static void logRejected(ProxyServices px, RejectReason reason, String remote, ConnectInfo connect, String detail) {
        long suppressed = px.rejectLog().tryAcquire();
        if (suppressed < 0) {
            return;
        }
        LOG.warn("event=connection_rejected reason={} remote={} client_id={} detail={} suppressed={}", reason.label(), remote,
                connect == null ? "-" : LogValues.quote(connect.clientId()), LogValues.quote(detail), suppressed);
    }

    private void warnIfIdleTimeoutTooShort(ConnectInfo info) {
        long idleMs = px.options().idleTimeout().toMillis();
        if (idleMs > 0 && (info.keepAliveSeconds() == 0 || info.keepAliveSeconds() * 1500L >= idleMs)
                && px.rejectLog().tryAcquire() >= 0) {
            LOG.warn("event=idle_timeout_below_keepalive client_id={} keepalive={} idle_timeout_ms={}",
                    LogValues.quote(info.clientId()), info.keepAliveSeconds(), idleMs);
        }
    }

    private void cancelDeadline() {
        if (deadlineTimer >= 0) {
            vertx.cancelTimer(deadlineTimer);
            deadlineTimer = -1;
        }
    }

    private void close(String cause) {
        Phase was = phase;
        if (was == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        cancelDeadline();
        reader = null;
        heldWhileConnecting = null;
        client.close();
        if (nodeSocket != null) {
            nodeSocket.close();
        }
        if (was == Phase.SPLICED) {
            node.connections().remove(this);
        }
        px.connectionLimit().release();
        if (LOG.isDebugEnabled()) {
            LOG.debug("event=connection_closed cause={} client_id={} node={} remote={} duration_ms={}", cause,
                    connect == null ? "-" : LogValues.quote(connect.clientId()), node == null ? "-" : node.key(), remote,
                    (System.nanoTime() - startedNanos) / 1_000_000);
        }
    }
}
