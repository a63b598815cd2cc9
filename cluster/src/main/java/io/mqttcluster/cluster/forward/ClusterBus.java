package io.mqttcluster.cluster.forward;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Links between broker nodes for what must travel fast and in order: forwarded publishes, and requests
 * such as "close your connection of this client id". One TCP connection per direction and pair of
 * nodes; frames sent to one node from one thread arrive in the order sent.
 *
 * <p>Frame: {@code int length, byte type, ...}. Types: HELLO (the sender's node id, first on every
 * connection), ONEWAY ({@code byte kind, payload}), REQUEST ({@code long id, byte kind, payload}) and
 * REPLY ({@code long id, byte status, payload}). A request that gets no reply within its timeout, or whose
 * node leaves the cluster, fails.
 *
 * <p>Why not the Vert.x clustered event bus: it keeps its own subscription registry in Hazelcast, and its
 * routing, batching and failure behaviour are harder to control; this is a few hundred lines with exactly
 * the behaviour the broker needs. Thread-safe: send from any thread.
 */
public final class ClusterBus {

    private static final Logger log = LoggerFactory.getLogger(ClusterBus.class);

    static final byte HELLO = 1;
    static final byte ONEWAY = 2;
    static final byte REQUEST = 3;
    static final byte REPLY = 4;
    private static final int MAX_FRAME = 64 * 1024 * 1024;
    private static final int MAX_BACKLOG = 100_000;

    /** What the node does with what arrives. Called on the receiving connection's event loop. */
    public interface Receiver {
        void onMessage(String fromNode, int kind, BufferDataInput payload);

        Future<Buffer> onRequest(String fromNode, int kind, BufferDataInput payload);
    }

    private final Vertx vertx;
    private final String nodeId;
    private final Receiver receiver;
    private final NetClient client;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private final Map<Long, PendingRequest> pending = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    private NetServer server;
    private volatile boolean closed;

    private record PendingRequest(String node, Promise<Buffer> promise, long timer) {
    }

    public ClusterBus(Vertx vertx, String nodeId, Receiver receiver) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.receiver = receiver;
        this.client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(3000));
    }

    /** Listens for other nodes; a port of 0 picks one. Completes with the bound port. */
    public Future<Integer> listen(String host, int port) {
        server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true));
        server.connectHandler(this::inbound);
        return server.listen(port, host).map(NetServer::actualPort);
    }

    public String nodeId() {
        return nodeId;
    }

    /** A node joined (or its address is now known). */
    public void addPeer(String node, String host, int port) {
        if (node.equals(nodeId) || closed) {
            return;
        }
        peers.computeIfAbsent(node, n -> new Peer(n, host, port));
    }

    /** A node left: its link closes and requests waiting for it fail. */
    public void removePeer(String node) {
        Peer p = peers.remove(node);
        if (p != null) {
            p.close();
        }
        pending.forEach((id, req) -> {
            if (req.node().equals(node) && pending.remove(id, req)) {
                vertx.cancelTimer(req.timer());
                req.promise().tryFail(new IllegalStateException("node " + node + " left"));
            }
        });
    }

    public boolean hasPeer(String node) {
        return peers.containsKey(node);
    }

    /** Sends a one-way message; false when the node is not known (not, or no longer, a member). */
    public boolean send(String node, int kind, Buffer payload) {
        Peer p = peers.get(node);
        if (p == null) {
            return false;
        }
        Buffer frame = Buffer.buffer(payload.length() + 6);
        frame.appendInt(payload.length() + 2).appendByte(ONEWAY).appendByte((byte) kind).appendBuffer(payload);
        return p.write(frame);
    }

    /** Sends a request and completes with the reply's payload, or fails after the timeout. */
    public Future<Buffer> request(String node, int kind, Buffer payload, long timeoutMillis) {
        Peer p = peers.get(node);
        if (p == null) {
            return Future.failedFuture(new IllegalStateException("unknown node " + node));
        }
        long id = requestIds.incrementAndGet();
        Promise<Buffer> promise = Promise.promise();
        long timer = vertx.setTimer(timeoutMillis, t -> {
            PendingRequest r = pending.remove(id);
            if (r != null) {
                r.promise().tryFail(new IllegalStateException("no reply from " + node + " in " + timeoutMillis + "ms"));
            }
        });
        pending.put(id, new PendingRequest(node, promise, timer));
        if (peers.get(node) != p) {
            // the node left between the lookup above and now, and removePeer did not see this request
            PendingRequest r = pending.remove(id);
            if (r != null) {
                vertx.cancelTimer(timer);
                promise.tryFail(new IllegalStateException("node " + node + " left"));
            }
            return promise.future();
        }
        Buffer frame = Buffer.buffer(payload.length() + 14);
        frame.appendInt(payload.length() + 10).appendByte(REQUEST).appendLong(id).appendByte((byte) kind).appendBuffer(payload);
        if (!p.write(frame)) {
            PendingRequest r = pending.remove(id);
            if (r != null) {
                vertx.cancelTimer(timer);
                promise.tryFail(new IllegalStateException("link to " + node + " is closed"));
            }
        }
        return promise.future();
    }

    public Future<Void> close() {
        closed = true;
        peers.values().forEach(Peer::close);
        peers.clear();
        pending.values().forEach(r -> r.promise().tryFail(new IllegalStateException("bus closed")));
        pending.clear();
        Future<Void> c = client.close();
        return server == null ? c : Future.join(c, server.close()).mapEmpty();
    }

    // ------------------------------------------------------------------ receiving

    private void inbound(NetSocket socket) {
        String[] from = new String[1];
        framed(socket, frame -> {
            byte type = frame.getByte(0);
            switch (type) {
                case HELLO -> from[0] = frame.getString(1, frame.length(), StandardCharsets.UTF_8.name());
                case ONEWAY -> {
                    if (from[0] != null) {
                        receiver.onMessage(from[0], frame.getByte(1), new BufferDataInput(frame, 2));
                    }
                }
                case REQUEST -> {
                    long id = frame.getLong(1);
                    int kind = frame.getByte(9);
                    Future<Buffer> reply;
                    try {
                        reply = receiver.onRequest(from[0], kind, new BufferDataInput(frame, 10));
                    } catch (RuntimeException e) {
                        reply = Future.failedFuture(e);
                    }
                    reply.onComplete(ar -> {
                        Buffer body = ar.succeeded() && ar.result() != null ? ar.result() : Buffer.buffer();
                        Buffer out = Buffer.buffer(body.length() + 14);
                        out.appendInt(body.length() + 10).appendByte(REPLY).appendLong(id)
                                .appendByte((byte) (ar.succeeded() ? 0 : 1)).appendBuffer(body);
                        socket.write(out);
                    });
                }
                default -> {
                    log.warn("event=bus_bad_frame from_node={} type={}", from[0], type);
                    socket.close();
                }
            }
        });
    }

    private void onReply(Buffer frame) {
        long id = frame.getLong(1);
        boolean ok = frame.getByte(9) == 0;
        PendingRequest r = pending.remove(id);
        if (r == null) {
            return; // timed out already
        }
        vertx.cancelTimer(r.timer());
        if (ok) {
            r.promise().tryComplete(frame.getBuffer(10, frame.length()));
        } else {
            r.promise().tryFail(new IllegalStateException("request failed on " + r.node()));
        }
    }

    /** Splits a socket's bytes into frames (length-prefixed). */
    private static void framed(NetSocket socket, Consumer<Buffer> onFrame) {
        RecordParser parser = RecordParser.newFixed(4);
        boolean[] readingLength = {true};
        parser.handler(chunk -> {
            if (readingLength[0]) {
                int len = chunk.getInt(0);
                if (len <= 0 || len > MAX_FRAME) {
                    log.warn("event=bus_bad_frame length={}", len);
                    socket.close();
                    return;
                }
                parser.fixedSizeMode(len);
                readingLength[0] = false;
            } else {
                parser.fixedSizeMode(4);
                readingLength[0] = true;
                onFrame.accept(chunk);
            }
        });
        socket.handler(parser);
    }

    // ------------------------------------------------------------------ sending

    /** The outgoing link to one node: connects lazily, keeps frames in order while (re)connecting. */
    private final class Peer {
        final String node;
        final String host;
        final int port;
        NetSocket socket;
        boolean connecting;
        boolean peerClosed;
        final ArrayDeque<Buffer> backlog = new ArrayDeque<>();

        Peer(String node, String host, int port) {
            this.node = node;
            this.host = host;
            this.port = port;
        }

        synchronized boolean write(Buffer frame) {
            if (peerClosed) {
                return false;
            }
            if (socket != null) {
                socket.write(frame);
                return true;
            }
            if (backlog.size() >= MAX_BACKLOG) {
                log.warn("event=bus_backlog_full node={}", node);
                return false;
            }
            backlog.addLast(frame);
            connect();
            return true;
        }

        private void connect() {
            if (connecting || peerClosed) {
                return;
            }
            connecting = true;
            client.connect(port, host).onComplete(ar -> {
                synchronized (Peer.this) {
                    connecting = false;
                    if (peerClosed) {
                        if (ar.succeeded()) {
                            ar.result().close();
                        }
                        return;
                    }
                    if (ar.failed()) {
                        log.debug("event=bus_connect_failed node={} address={}:{} error={}", node, host, port, ar.cause().toString());
                        vertx.setTimer(500, t -> {
                            synchronized (Peer.this) {
                                if (!backlog.isEmpty()) {
                                    connect();
                                }
                            }
                        });
                        return;
                    }
                    NetSocket s = ar.result();
                    byte[] id = nodeId.getBytes(StandardCharsets.UTF_8);
                    s.write(Buffer.buffer(5 + id.length).appendInt(1 + id.length).appendByte(HELLO).appendBytes(id));
                    framed(s, frame -> {
                        if (frame.getByte(0) == REPLY) {
                            onReply(frame);
                        }
                    });
                    s.closeHandler(v -> {
                        synchronized (Peer.this) {
                            if (socket == s) {
                                socket = null;
                            }
                        }
                    });
                    while (!backlog.isEmpty()) {
                        s.write(backlog.pollFirst());
                    }
                    socket = s;
                }
            });
        }

        synchronized void close() {
            peerClosed = true;
            backlog.clear();
            if (socket != null) {
                socket.close();
                socket = null;
            }
        }
    }
}
