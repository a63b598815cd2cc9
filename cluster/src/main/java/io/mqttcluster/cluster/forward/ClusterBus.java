package io.mqttcluster.cluster.forward;

import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Links between broker nodes for what must travel fast and in order: forwarded publishes (one-way
 * messages), and requests such as "close your connection of this client id". One TCP connection per
 * direction and pair of nodes; frames in {@link BusFrames}.
 *
 * <p>One-way messages to a peer form a numbered stream (1, 2, 3 ...) of this process (its node id is new at
 * every start) towards that peer. The sender keeps each message until the peer acknowledges it (the peer
 * acknowledges the highest sequence it has handed to {@link Receiver#onMessage}, once per read); when the
 * connection drops while the peer is a member (or stops answering for the delivery timeout), the sender
 * reconnects (at once, then every {@link ClusterBusOptions#reconnectDelayMillis}, 500 ms by default), the
 * peer answers its HELLO with the last sequence it processed, and the sender resends the rest in order.
 * The receiver hands over a message only if its sequence is the next one of that sender, so a message that
 * comes twice (resent, or on an old connection not yet noticed dead) is dropped the second time.
 *
 * <p>Guaranteed: at least once on the wire; exactly once and in order into the receiver per sender process
 * (and per thread of the sender: messages sent from one thread keep their order), across connection resets,
 * while both processes live and the peer stays a member. Not guaranteed: messages of a sender that dies are
 * lost unless the caller waited for {@link #delivered}; a peer removed with {@link #removePeer} gets nothing
 * more of what was queued for it (it left: it serves no subscribers); a peer at the byte cap refuses new
 * messages ({@link #send} returns -1). A peer removed and added again gets a new stream, numbered from 1
 * again. If the receiver forgets a sender ({@link #removePeer} on its side) while that sender keeps its
 * link, messages the receiver processed but had not acknowledged yet are processed again. Requests are best
 * effort, outside the numbered stream: one whose connection drops is not resent, and fails after its
 * timeout.
 *
 * <p>Peers prove the cluster secret to each other when the connection opens ({@link PeerAuth}, with {@link
 * ClusterBusOptions#peerAuth}); an inbound connection that has not done so within the delivery timeout is closed,
 * and until it has, it may send nothing but its HELLO (at most {@link BusFrames#HANDSHAKE_MAX_FRAME} bytes).
 *
 * <p>Why not the Vert.x clustered event bus: it keeps its own subscription registry in Hazelcast, and its
 * routing, batching and failure behaviour are harder to control. Threads: every method may be called from
 * any thread; the sending side of each peer is {@link PeerLink}, the receiving side {@link InboundLinks}.
 */
public final class ClusterBus {

    private static final Logger log = LoggerFactory.getLogger(ClusterBus.class);

    /**
     * What the node does with what arrives. Called on the receiving connection's event loop, must not block;
     * one sender's messages are handed over one at a time (under a lock of that sender). The payload may be
     * kept (it is not reused).
     */
    public interface Receiver {
        void onMessage(String fromNode, int kind, BufferDataInput payload);

        Future<Buffer> onRequest(String fromNode, int kind, BufferDataInput payload);
    }

    private final VertxInternal vertx;
    private final String nodeId;
    private final ClusterBusOptions options;
    private final NetClient client;
    private final BusCounters counters = new BusCounters();
    private final InboundLinks inbound;
    private final Map<String, PeerLink> peers = new ConcurrentHashMap<>();
    private final Map<Long, PendingRequest> pending = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    /** Stream ids of this bus's links: increasing, and above those of a bus created earlier with the same node id. */
    private final AtomicLong streams = new AtomicLong(System.currentTimeMillis() << 20);
    private volatile NetServer server;
    private volatile boolean closed;

    private record PendingRequest(String node, Promise<Buffer> promise, long timer) {
    }

    /** A bus with the default {@link ClusterBusOptions}. */
    public ClusterBus(Vertx vertx, String nodeId, Receiver receiver) {
        this(vertx, nodeId, receiver, new ClusterBusOptions());
    }

    public ClusterBus(Vertx vertx, String nodeId, Receiver receiver, ClusterBusOptions options) {
        this.vertx = (VertxInternal) vertx;
        this.nodeId = nodeId;
        this.options = new ClusterBusOptions().deliveryTimeoutMillis(options.deliveryTimeoutMillis())
                .maxUnackedBytes(options.maxUnackedBytes()).reconnectDelayMillis(options.reconnectDelayMillis())
                .maxFrameBytes(options.maxFrameBytes()).peerAuth(options.peerAuth());
        this.client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(3000));
        this.inbound = new InboundLinks(this.vertx, nodeId, receiver, this.options, counters);
    }

    /** Listens for other nodes; a port of 0 picks one. Completes with the bound port. */
    public Future<Integer> listen(String host, int port) {
        NetServer s = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true));
        s.connectHandler(inbound::accept);
        server = s;
        return s.listen(port, host).map(NetServer::actualPort);
    }

    public String nodeId() {
        return nodeId;
    }

    /** A node joined (or its address is now known). Its link connects at the first message. */
    public void addPeer(String node, String host, int port) {
        if (node.equals(nodeId) || closed) {
            return;
        }
        PeerLink link = peers.computeIfAbsent(node, n -> new PeerLink(this, client, vertx.createEventLoopContext(), n,
                host, port, streams.incrementAndGet(), options, counters));
        if (closed && peers.remove(node, link)) {
            link.close(false); // close() ran meanwhile and missed it
        }
    }

    /**
     * A node left: its link closes, what was queued for it is dropped, {@link #delivered} futures for it
     * succeed (a node that left has no subscribers to serve), and requests waiting for it fail.
     */
    public void removePeer(String node) {
        PeerLink link = peers.remove(node);
        if (link != null) {
            link.close(true);
        }
        inbound.forget(node);
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

    /**
     * Queues a one-way message and returns its sequence number (1 or more) in the stream to {@code node}, or
     * -1 when nothing was queued: the node is not a known peer, or its unacknowledged bytes are at the cap
     * ({@link ClusterBusOptions#maxUnackedBytes}; counted in {@link #refusedSends}). Never blocks.
     */
    public long send(String node, int kind, Buffer payload) {
        PeerLink link = peers.get(node);
        if (link == null || oversize(node, "message", payload.length() + BusFrames.DATA_HEADER - 4)) {
            return -1;
        }
        return link.send(kind, payload);
    }

    /** {@link #send(String, int, Buffer)} of a message written straight into its frame: no copy on the way. */
    public long send(String node, FrameOutput message) {
        PeerLink link = peers.get(node);
        if (link == null || oversize(node, "message", message.size() + BusFrames.DATA_HEADER - 4)) {
            return -1;
        }
        return link.send(message.frame());
    }

    /** True (counted, logged) when a frame of {@code length} bytes after its length prefix is above the cap. */
    private boolean oversize(String node, String what, long length) {
        if (length <= options.maxFrameBytes()) {
            return false;
        }
        counters.oversize.increment();
        log.warn("event=bus_send_oversize node={} what={} frame_bytes={} max_frame_bytes={}", node, what, length, options.maxFrameBytes());
        return true;
    }

    /**
     * True once {@code node} acknowledged the message {@code seq}: the cheap question to ask before waiting
     * with {@link #delivered} (which also answers for a node that left). Takes no lock.
     */
    public boolean isDelivered(String node, long seq) {
        PeerLink link = peers.get(node);
        return link != null && link.isDelivered(seq);
    }

    /**
     * Completes when {@code node} acknowledged the message {@code seq} (from {@link #send}) or any later one,
     * at once if it did already; succeeds too when the node is not, or no longer, a peer ({@link
     * #removePeer}); fails when there is no acknowledgement within {@link ClusterBusOptions#deliveryTimeoutMillis},
     * when {@code seq} was never sent, or when the bus closes. Continuations run on the caller's context.
     */
    public Future<Void> delivered(String node, long seq) {
        return delivered(node, seq, ContextInternal.current());
    }

    /**
     * {@link #delivered(String, long)} completing on {@code caller}: for a caller that knows its context
     * better than the thread does (code called by Netty directly, outside any Vert.x context task).
     */
    public Future<Void> delivered(String node, long seq, ContextInternal caller) {
        PeerLink link = peers.get(node);
        if (link == null) {
            return seq < 1 ? Future.failedFuture(new IllegalArgumentException("no frame " + seq)) : Future.succeededFuture();
        }
        return link.delivered(seq, caller);
    }

    /** Sends a request and completes with the reply's payload, or fails after the timeout. */
    public Future<Buffer> request(String node, int kind, Buffer payload, long timeoutMillis) {
        PeerLink link = peers.get(node);
        if (link == null) {
            return Future.failedFuture(new IllegalStateException("unknown node " + node));
        }
        if (oversize(node, "request", payload.length() + 10L)) {
            return Future.failedFuture(new IllegalArgumentException("request of " + payload.length() + " bytes is above the frame limit"));
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
        if (peers.get(node) != link) {
            // the node left between the lookup above and now, and removePeer did not see this request
            failRequest(id, "node " + node + " left");
        } else if (!link.request(BusFrames.request(id, kind, payload))) {
            failRequest(id, "link to " + node + " is closed or its queue is full");
        }
        return promise.future();
    }

    private void failRequest(long id, String why) {
        PendingRequest r = pending.remove(id);
        if (r != null) {
            vertx.cancelTimer(r.timer());
            r.promise().tryFail(new IllegalStateException(why));
        }
    }

    /** A REPLY came back on an outgoing link ({@code start} at its type byte). */
    void onReply(Buffer frame, int start, int end) {
        long id = frame.getLong(start + 1);
        boolean ok = frame.getByte(start + 9) == 0;
        PendingRequest r = pending.remove(id);
        if (r == null) {
            return; // timed out already
        }
        vertx.cancelTimer(r.timer());
        if (ok) {
            r.promise().tryComplete(frame.getBuffer(start + 10, end));
        } else {
            r.promise().tryFail(new IllegalStateException("request failed on " + r.node()));
        }
    }

    PeerAuth peerAuth() {
        return options.peerAuth();
    }

    int maxFrameBytes() {
        return options.maxFrameBytes();
    }

    // ------------------------------------------------------------------ counters for metrics

    /** One-way messages written again on a new connection because the old one dropped before they were acknowledged. */
    public long resentFrames() {
        return counters.resent.sum();
    }

    /** One-way messages this node received twice and dropped the second time. */
    public long duplicatesDropped() {
        return counters.duplicates.sum();
    }

    /** Sends refused because the peer's unacknowledged bytes were at the cap. */
    public long refusedSends() {
        return counters.refused.sum();
    }

    /**
     * Handshakes refused for authentication, on either side: a peer that did not prove the cluster secret (a wrong
     * or missing secret, a replayed or forged MAC), or that wanted a secret this node does not have.
     */
    public long authFailures() {
        return counters.authFailures.sum();
    }

    /** Messages and requests refused because their frame was above {@link ClusterBusOptions#maxFrameBytes}. */
    public long oversizeSends() {
        return counters.oversize.sum();
    }

    /** Bytes (as framed on the wire) queued or sent to all peers and not acknowledged yet. */
    public long unackedBytes() {
        long sum = 0;
        for (PeerLink link : peers.values()) {
            sum += link.unackedBytes();
        }
        return sum;
    }

    /** Closes every link; {@link #delivered} futures still waiting fail, and so do pending requests. */
    public Future<Void> close() {
        closed = true;
        peers.values().forEach(link -> link.close(false));
        peers.clear();
        pending.values().forEach(r -> {
            vertx.cancelTimer(r.timer());
            r.promise().tryFail(new IllegalStateException("bus closed"));
        });
        pending.clear();
        Future<Void> c = client.close();
        NetServer s = server;
        log.debug("event=bus_closed node={}", nodeId);
        return s == null ? c : Future.join(c, s.close()).mapEmpty();
    }
}
