package io.mqttcluster.cluster.forward;

import io.mqttcluster.cluster.forward.AckWaiters.Waiter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The sending side of the bus towards one peer: numbers one-way frames 1, 2, 3 ... in one stream, keeps
 * every frame until the peer acknowledges it, connects, says HELLO, and after the peer's RESUME (the last
 * sequence it processed) drops what is acknowledged and writes the rest in order; the same after every
 * reconnect. Requests ride along, unnumbered and not kept once written.
 *
 * <p>States: IDLE (nothing to send, no connection) -> CONNECTING -> HANDSHAKING (HELLO sent; with a cluster
 * secret, first the peer's CHALLENGE awaited and answered) -> OPEN (RESUME received, and with a secret its MAC
 * checked; frames flow); a lost connection goes back to CONNECTING at once if it was OPEN, else to
 * WAITING (a timer) first; CLOSED at the end. A connection that does not answer its HELLO, or acknowledges
 * nothing of what is in flight, within the delivery timeout is given up and opened again.
 *
 * <p>Threads: {@link #send}, {@link #delivered} and {@link #request} come from any thread and only touch the
 * {@link SendWindow} and {@link AckWaiters} under this object's lock (never I/O or logging under it).
 * Everything about the socket runs on {@code ctx}, one event-loop context per link: connecting, the handshake, writing (the drain), reading ACK / RESUME / REPLY, timers. Socket
 * writes happen outside the lock; they all run on {@code ctx}, so they keep the queue's order. {@code socket}
 * and {@code state} change only on {@code ctx}, under the lock. Waiters are completed after the lock is
 * released, in sequence order.
 */
final class PeerLink {

    private static final Logger log = LoggerFactory.getLogger(PeerLink.class);

    /** Bytes gathered into one socket write. */
    private static final int MAX_BATCH = 256 * 1024;
    /** Bytes Netty may hold for the socket before the drain waits for it. */
    private static final int WRITE_QUEUE_BYTES = 1024 * 1024;
    /** Requests waiting for a connection above which new ones fail at once. */
    private static final int MAX_QUEUED_REQUESTS = 10_000;

    private enum State { IDLE, WAITING, CONNECTING, HANDSHAKING, OPEN, CLOSED }

    final String node;
    private final String host;
    private final int port;
    private final long stream;
    private final ClusterBus bus;
    private final NetClient client;
    private final ContextInternal ctx;
    private final BusCounters counters;
    private final long maxUnackedBytes;
    private final long timeoutMillis;
    private final long timeoutNanos;
    private final long reconnectMillis;
    private final Handler<Void> drainTask = v -> drain();
    private final long tickTimer;

    // guarded by this
    private final SendWindow window = new SendWindow();
    private final AckWaiters waiters = new AckWaiters();
    /** {@code window.bytes()}, for reading without the lock. */
    private volatile long unackedBytes;
    /** A copy of {@code window.acked()} for {@link #isDelivered}, which takes no lock. */
    private volatile long ackedUpTo;
    private boolean drainScheduled;
    private boolean refusing;
    private boolean removed;
    private State state = State.IDLE;
    private NetSocket socket;
    /** HANDSHAKING: when the HELLO went out; OPEN: the last ack progress, or when inflight last became non-empty. */
    private long sinceNanos;

    PeerLink(ClusterBus bus, NetClient client, ContextInternal ctx, String node, String host, int port, long stream,
             ClusterBusOptions options, BusCounters counters) {
        this.bus = bus;
        this.client = client;
        this.ctx = ctx;
        this.node = node;
        this.host = host;
        this.port = port;
        this.stream = stream;
        this.counters = counters;
        this.maxUnackedBytes = options.maxUnackedBytes();
        this.timeoutMillis = options.deliveryTimeoutMillis();
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.reconnectMillis = options.reconnectDelayMillis();
        this.tickTimer = ctx.setPeriodic(Math.max(10, Math.min(250, timeoutMillis / 10)), id -> tick());
    }

    long unackedBytes() {
        return unackedBytes;
    }

    /** True once the peer acknowledged {@code seq}; without the lock, from any thread. */
    boolean isDelivered(long seq) {
        return seq <= ackedUpTo;
    }

    /** Queues a one-way frame; its sequence, or -1 when the link is closed or at its byte cap. */
    long send(int kind, Buffer payload) {
        return send(BusFrames.data(kind, payload));
    }

    /** Queues a DATA frame (sequence 0, numbered here); its sequence, or -1 when the link is closed or at its byte cap. */
    long send(byte[] frame) {
        long seq;
        boolean drain = false;
        boolean connect = false;
        long refusedAt = -1;
        synchronized (this) {
            long bytes = window.bytes();
            if (state == State.CLOSED) {
                seq = -1;
            } else if (bytes > 0 && bytes + frame.length > maxUnackedBytes) {
                seq = -1;
                counters.refused.increment();
                if (!refusing) {
                    refusing = true;
                    refusedAt = bytes;
                }
            } else {
                seq = window.add(frame);
                unackedBytes = window.bytes();
                drain = needsDrain();
                connect = needsConnect();
            }
        }
        if (refusedAt >= 0) {
            log.warn("event=bus_send_refused node={} unacked_bytes={} max_unacked_bytes={}", node, refusedAt, maxUnackedBytes);
        }
        kick(drain, connect);
        return seq;
    }

    /** Queues a request frame behind the one-way frames already queued; false when it cannot be queued. */
    boolean request(byte[] frame) {
        boolean drain;
        boolean connect;
        synchronized (this) {
            if (state == State.CLOSED || (state != State.OPEN && window.queuedRequests() >= MAX_QUEUED_REQUESTS)) {
                return false;
            }
            window.addRequest(frame);
            drain = needsDrain();
            connect = needsConnect();
        }
        kick(drain, connect);
        return true;
    }

    Future<Void> delivered(long seq, ContextInternal caller) {
        synchronized (this) {
            if (seq < 1 || seq > window.lastSeq()) {
                return Future.failedFuture(new IllegalArgumentException("no frame " + seq + " was sent to " + node));
            }
            if (seq <= window.acked()) {
                return Future.succeededFuture();
            }
            if (state == State.CLOSED) {
                return removed ? Future.succeededFuture() : Future.failedFuture(new IllegalStateException("bus closed"));
            }
            return waiters.add(seq, caller, System.nanoTime() + timeoutNanos);
        }
    }

    /** Closes the link: waiters succeed when the peer was removed from the cluster, fail when the bus closes. */
    void close(boolean peerRemoved) {
        List<Waiter> waiting;
        NetSocket s;
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            removed = peerRemoved;
            s = socket;
            socket = null;
            waiting = waiters.takeAll();
            window.clear();
            unackedBytes = 0;
        }
        ctx.owner().cancelTimer(tickTimer);
        if (s != null) {
            s.close();
        }
        for (Waiter w : waiting) {
            if (peerRemoved) {
                w.promise.tryComplete();
            } else {
                w.promise.tryFail(new IllegalStateException("bus closed"));
            }
        }
    }

    // ------------------------------------------------------------------ under the lock

    private boolean needsDrain() {
        if (state == State.OPEN && !drainScheduled) {
            drainScheduled = true;
            return true;
        }
        return false;
    }

    private boolean needsConnect() {
        if (state == State.IDLE) {
            state = State.CONNECTING;
            return true;
        }
        return false;
    }

    private void kick(boolean drain, boolean connect) {
        if (drain) {
            ctx.runOnContext(drainTask);
        }
        if (connect) {
            ctx.runOnContext(v -> connect());
        }
    }

    /**
     * After acknowledgements: updates the volatile copy of the byte count; true when a refusing spell ends
     * (below half the cap), to be logged once the lock is released.
     */
    private boolean acknowledged() {
        long bytes = window.bytes();
        unackedBytes = bytes;
        ackedUpTo = window.acked();
        if (refusing && bytes < maxUnackedBytes / 2) {
            refusing = false;
            return true;
        }
        return false;
    }

    private void logAcceptingAgain(boolean accepting) {
        if (accepting) {
            log.info("event=bus_send_accepted_again node={} unacked_bytes={}", node, unackedBytes);
        }
    }


    // ------------------------------------------------------------------ on ctx

    private void connect() {
        client.connect(port, host).onComplete(ar -> {
            if (ar.failed()) {
                log.debug("event=bus_connect_failed node={} address={}:{} error={}", node, host, port, ar.cause().toString());
                synchronized (this) {
                    if (state != State.CONNECTING) {
                        return;
                    }
                    state = State.WAITING;
                }
                ctx.setTimer(reconnectMillis, t -> retry());
                return;
            }
            NetSocket s = ar.result();
            boolean closedMeanwhile;
            synchronized (this) {
                closedMeanwhile = state != State.CONNECTING;
                if (!closedMeanwhile) {
                    socket = s;
                    state = State.HANDSHAKING;
                    sinceNanos = System.nanoTime();
                }
            }
            if (closedMeanwhile) {
                s.close();
                return;
            }
            s.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
            Replies replies = new Replies(s);
            replies.reader = new FrameReader(s, replies);
            s.handler(replies.reader);
            s.closeHandler(v -> lost(s, "closed"));
            s.exceptionHandler(e -> log.debug("event=bus_link_error node={} error={}", node, e.toString()));
            s.drainHandler(v -> drain());
            if (!bus.peerAuth().enabled()) {
                replies.hello(null); // with a secret, the HELLO answers the peer's CHALLENGE
            }
        });
    }

    private void retry() {
        synchronized (this) {
            if (state != State.WAITING) {
                return;
            }
            if (!window.hasUnsent()) {
                state = State.IDLE;
                return;
            }
            state = State.CONNECTING;
        }
        connect();
    }

    /** The connection {@code s} is gone (or given up): frames in flight go back to the front, to be resent. */
    private void lost(NetSocket s, String reason) {
        boolean now = false;
        boolean later = false;
        int putBack;
        synchronized (this) {
            if (socket != s) {
                return;
            }
            socket = null;
            putBack = window.putBack();
            if (!window.hasUnsent()) {
                state = State.IDLE;
            } else if (state == State.OPEN) {
                state = State.CONNECTING;
                now = true;
            } else {
                state = State.WAITING;
                later = true;
            }
        }
        s.close();
        log.info("event=bus_link_lost node={} stream={} reason={} unacked_frames={}", node, stream, reason, putBack);
        if (now) {
            connect();
        } else if (later) {
            ctx.setTimer(reconnectMillis, t -> retry());
        }
    }

    private void drain() {
        NetSocket s = socket;
        if (s == null || s.writeQueueFull()) {
            return; // not connected, or the drain handler calls again
        }
        SendWindow.Batch batch;
        boolean again;
        synchronized (this) {
            drainScheduled = false;
            if (state != State.OPEN || !window.hasUnsent()) {
                return;
            }
            if (!window.hasInflight()) {
                sinceNanos = System.nanoTime();
            }
            batch = window.takeBatch(MAX_BATCH);
            again = window.hasUnsent();
            drainScheduled = again;
        }
        if (batch.resent() > 0) {
            counters.resent.add(batch.resent());
        }
        s.write(batch.bytes());
        if (again) {
            ctx.runOnContext(drainTask);
        }
    }

    /** Every few ms: fails waiters past their deadline, and gives up a connection that stopped answering. */
    private void tick() {
        List<Waiter> expired = null;
        NetSocket stalled = null;
        boolean handshaking = false;
        long now = System.nanoTime();
        synchronized (this) {
            expired = waiters.expired(now);
            boolean waiting = state == State.HANDSHAKING || (state == State.OPEN && window.hasInflight());
            if (socket != null && waiting && now - sinceNanos > timeoutNanos) {
                stalled = socket;
                handshaking = state == State.HANDSHAKING;
            }
        }
        if (expired != null) {
            for (Waiter x : expired) {
                x.promise.tryFail(new IllegalStateException(
                        "no acknowledgement of frame " + x.seq + " from " + node + " within " + timeoutMillis + "ms"));
            }
        }
        if (stalled != null) {
            // a handshake that never ends: with a secret here, often a peer without one (it sends no CHALLENGE)
            log.warn("event=bus_link_stalled node={} stream={} timeout_ms={} during={}", node, stream, timeoutMillis,
                    handshaking ? "handshake" : "acknowledgements");
            lost(stalled, "stalled");
        }
    }

    /**
     * What comes back on the outgoing connection: CHALLENGE (with a secret), RESUME, ACK, REPLY. Frames are capped
     * at {@link BusFrames#HANDSHAKE_MAX_FRAME} until the RESUME is checked.
     */
    private final class Replies implements FrameReader.Sink {
        private final NetSocket s;
        private FrameReader reader;
        /** With a secret: the peer's CHALLENGE nonce and what our HELLO carried, once sent; null before. */
        private byte[] challenge;
        private byte[] helloField;

        Replies(NetSocket s) {
            this.s = s;
        }

        /** Writes the HELLO: at once without a secret, or in answer to the peer's CHALLENGE {@code nonce}. */
        void hello(byte[] nonce) {
            long firstSeq;
            synchronized (PeerLink.this) {
                firstSeq = window.acked() + 1;
            }
            PeerAuth auth = bus.peerAuth();
            challenge = nonce;
            helloField = nonce == null ? new byte[0] : auth.helloField(nonce, bus.nodeId(), node, stream, firstSeq);
            s.write(BusFrames.hello(new BusFrames.Hello(BusFrames.VERSION, bus.nodeId(), node, stream, firstSeq, helloField)));
        }

        @Override
        public boolean frame(Buffer buf, int start, int end) {
            byte type = buf.getByte(start);
            int len = end - start;
            if (type == BusFrames.ACK && len == 9) {
                return onAck(buf.getLong(start + 1));
            } else if (type == BusFrames.CHALLENGE && len == 1 + PeerAuth.NONCE_BYTES) {
                return onChallenge(buf.getBytes(start + 1, end));
            } else if (type == BusFrames.RESUME && len >= 11 && len == 11 + buf.getUnsignedShort(start + 9)) {
                long last = buf.getLong(start + 1);
                if (bus.peerAuth().enabled()) {
                    if (helloField == null) {
                        return authFailed("resume_without_challenge");
                    }
                    if (!bus.peerAuth().checkResume(challenge, helloField, bus.nodeId(), node, stream, last, buf.getBytes(start + 11, end))) {
                        return authFailed("bad_resume_mac");
                    }
                }
                reader.maxFrame(bus.maxFrameBytes());
                return onResume(last);
            } else if (type == BusFrames.REPLY && len >= 10) {
                bus.onReply(buf, start, end);
                return true;
            }
            return protocolError("bad frame type=" + type + " length=" + len);
        }

        @Override
        public void endOfBatch() {
        }

        private boolean onChallenge(byte[] nonce) {
            if (!bus.peerAuth().enabled()) {
                return authFailed("peer_requires_secret");
            }
            if (helloField != null) {
                return protocolError("second CHALLENGE");
            }
            synchronized (PeerLink.this) {
                if (socket != s || state != State.HANDSHAKING) {
                    return true; // from a connection given up already
                }
            }
            hello(nonce);
            return true;
        }

        /** The peer did not prove the secret, or wants one this node lacks: counted, logged at most every 10 s. */
        private boolean authFailed(String reason) {
            counters.authFailures.increment();
            long left = counters.refusalLog.tryLog();
            if (left >= 0) {
                log.warn("event=bus_auth_failed node={} address={}:{} stream={} reason={} auth={} not_logged_since_last={}",
                        node, host, port, stream, reason, bus.peerAuth().enabled() ? "secret" : "none", left);
            }
            lost(s, "auth_failed");
            return false;
        }

        private boolean onResume(long last) {
            List<Waiter> done;
            long before;
            boolean accepting;
            String error = null;
            synchronized (PeerLink.this) {
                if (socket != s) {
                    return true; // from a connection given up already
                }
                before = window.acked();
                if (state != State.HANDSHAKING) {
                    error = "RESUME out of place";
                } else if (!window.resume(last)) {
                    error = "RESUME at " + last + " with acked=" + before + " last_seq=" + window.lastSeq();
                }
                accepting = acknowledged();
                if (error == null) {
                    state = State.OPEN;
                    sinceNanos = System.nanoTime();
                    drainScheduled = true;
                }
                done = waiters.upTo(window.acked());
            }
            AckWaiters.succeed(done);
            logAcceptingAgain(accepting);
            if (error != null) {
                return protocolError(error);
            }
            log.info("event=bus_link_open node={} stream={} acked_before={} resume_after={}", node, stream, before, last);
            drain();
            return true;
        }

        private boolean onAck(long last) {
            List<Waiter> done;
            boolean accepting;
            String error = null;
            synchronized (PeerLink.this) {
                if (socket != s || state != State.OPEN || last <= window.acked()) {
                    return true; // from a connection given up already, or nothing new
                }
                if (!window.ack(last)) {
                    error = "ACK of " + last + " beyond what is in flight, acked=" + window.acked();
                }
                accepting = acknowledged();
                sinceNanos = System.nanoTime();
                done = waiters.upTo(window.acked());
            }
            AckWaiters.succeed(done);
            logAcceptingAgain(accepting);
            return error == null || protocolError(error);
        }

        private boolean protocolError(String what) {
            log.warn("event=bus_protocol_error node={} stream={} error={}", node, stream, what);
            lost(s, "protocol_error");
            return false;
        }
    }
}
