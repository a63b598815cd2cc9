package io.mqttcluster.cluster.forward;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The receiving side of the bus: with a cluster secret, sends each new connection a CHALLENGE and accepts its
 * HELLO only with a MAC over it ({@link PeerAuth}); until then the connection may send nothing else, no frame
 * above {@link BusFrames#HANDSHAKE_MAX_FRAME}, and is closed after the delivery timeout. Checks the HELLO of each
 * connection from another node, answers with RESUME
 * (the last sequence processed of that sender's stream), hands each DATA frame to the {@link
 * ClusterBus.Receiver} exactly once and in order, acknowledges once per read batch, and answers requests.
 *
 * <p>Per sender, one {@link SenderStream} (its stream id and the last sequence processed) shared by every
 * connection from that sender: for a moment there can be two (the old one not yet noticed dead, the new one
 * up, on other event loops). Its lock makes "check the sequence, call the receiver, advance" one step, so a
 * frame that comes on both is processed once. A frame at or below the last is a duplicate and dropped; one
 * beyond last + 1 is a gap that a correct sender never makes: the connection is closed. A HELLO of a newer
 * stream of the same sender (the sender re-added this node) retires the old stream, and connections still
 * carrying it are closed. Each connection's own fields are touched only on its event loop.
 */
final class InboundLinks {

    private static final Logger log = LoggerFactory.getLogger(InboundLinks.class);
    private static final byte[] NO_MAC = new byte[0];

    /** Receive state of one sender: guarded by itself, except {@code retired} (set once, read under the lock). */
    private static final class SenderStream {
        final long stream;
        long last;
        volatile boolean retired;

        SenderStream(long stream, long last) {
            this.stream = stream;
            this.last = last;
        }
    }

    private final VertxInternal vertx;
    private final String nodeId;
    private final ClusterBus.Receiver receiver;
    private final PeerAuth auth;
    private final int maxFrameBytes;
    private final long handshakeTimeoutMillis;
    private final BusCounters counters;
    private final Map<String, SenderStream> senders = new ConcurrentHashMap<>();

    InboundLinks(VertxInternal vertx, String nodeId, ClusterBus.Receiver receiver, ClusterBusOptions options, BusCounters counters) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.receiver = receiver;
        this.auth = options.peerAuth();
        this.maxFrameBytes = options.maxFrameBytes();
        this.handshakeTimeoutMillis = options.deliveryTimeoutMillis();
        this.counters = counters;
    }

    /** A new connection; on its event loop. */
    void accept(NetSocket socket) {
        log.debug("event=bus_inbound_accepted remote={}", socket.remoteAddress());
        Connection c = new Connection(socket);
        c.reader = new FrameReader(socket, c);
        socket.handler(c.reader);
        socket.exceptionHandler(e -> log.debug("event=bus_inbound_error from_node={} error={}", c.from, e.toString()));
        c.handshakeTimer = vertx.setTimer(handshakeTimeoutMillis, t -> c.handshakeTimedOut());
        socket.closeHandler(v -> vertx.cancelTimer(c.handshakeTimer));
        if (auth.enabled()) {
            c.challenge = auth.nonce();
            socket.write(BusFrames.challenge(c.challenge));
        }
    }

    /** A connection that did not prove itself: counted; logged at most once per 10 s (strangers can do it at will). */
    private void refuse(NetSocket socket, String from, String reason) {
        counters.authFailures.increment();
        long left = counters.refusalLog.tryLog();
        if (left >= 0) {
            log.warn("event=bus_auth_failed remote={} from_node={} reason={} auth={} not_logged_since_last={}",
                    socket.remoteAddress(), from, reason, auth.enabled() ? "secret" : "none", left);
        }
    }

    /**
     * Forgets a sender that left the cluster. Should it still be alive and come back on its old stream, its
     * HELLO starts the stream again after what it knows to be acknowledged: frames processed here but not
     * acknowledged yet would then be processed twice.
     */
    void forget(String node) {
        SenderStream st = senders.remove(node);
        if (st != null) {
            st.retired = true;
        }
    }

    /** One inbound connection; runs on its event loop. */
    private final class Connection implements FrameReader.Sink {
        private final NetSocket socket;
        private FrameReader reader;
        /** This connection's CHALLENGE nonce; null without a secret. */
        private byte[] challenge;
        private long handshakeTimer;
        private String from;
        private SenderStream stream;
        private boolean ackDue;

        Connection(NetSocket socket) {
            this.socket = socket;
        }

        void handshakeTimedOut() {
            if (stream == null) {
                refuse(socket, null, "handshake_timeout");
                socket.close();
            }
        }

        @Override
        public boolean frame(Buffer buf, int start, int end) {
            byte type = buf.getByte(start);
            if (stream == null && type != BusFrames.HELLO && auth.enabled()) {
                refuse(socket, null, "frame_before_hello type=" + type);
                return false;
            }
            if (type == BusFrames.DATA && stream != null && end - start >= 10) {
                return data(buf, start, end);
            } else if (type == BusFrames.HELLO && stream == null) {
                return hello(buf, start, end);
            } else if (type == BusFrames.REQUEST && stream != null && end - start >= 10) {
                request(buf.getLong(start + 1), buf.getByte(start + 9), new BufferDataInput(buf, start + 10, end));
                return true;
            }
            log.warn("event=bus_bad_frame from_node={} type={} length={}", from, type, end - start);
            return false;
        }

        @Override
        public void endOfBatch() {
            if (ackDue) {
                ackDue = false;
                long last;
                synchronized (stream) {
                    last = stream.last;
                }
                socket.write(BusFrames.ack(last));
            }
        }

        private boolean hello(Buffer buf, int start, int end) {
            BusFrames.Hello h;
            try {
                h = BusFrames.readHello(buf, start, end);
            } catch (RuntimeException e) {
                if (auth.enabled()) {
                    refuse(socket, null, "malformed_hello");
                } else {
                    log.warn("event=bus_hello_refused remote={} reason=malformed error={}", socket.remoteAddress(), e.toString());
                }
                return false;
            }
            if (auth.enabled() && !auth.checkHello(challenge, h)) {
                refuse(socket, h.from(), h.mac().length == 0 ? "no_mac" : "bad_mac");
                return false;
            }
            String refused = h.version() != BusFrames.VERSION ? "version"
                    : !h.to().equals(nodeId) ? "other_node"
                    : h.firstSeq() < 1 ? "malformed" : null;
            if (refused != null) {
                log.warn("event=bus_hello_refused from_node={} to_node={} reason={} version={}", h.from(), h.to(), refused, h.version());
                return false;
            }
            SenderStream st = senders.compute(h.from(), (k, cur) -> {
                if (cur == null || cur.stream < h.stream()) {
                    if (cur != null) {
                        cur.retired = true;
                    }
                    return new SenderStream(h.stream(), h.firstSeq() - 1);
                }
                return cur;
            });
            long last = -1;
            synchronized (st) {
                if (!st.retired && st.stream == h.stream()) {
                    // below what the sender knows to be acknowledged only if this side forgot the sender meanwhile
                    st.last = Math.max(st.last, h.firstSeq() - 1);
                    last = st.last;
                }
            }
            if (last < 0) {
                log.info("event=bus_hello_refused from_node={} reason=old_stream stream={} current_stream={}", h.from(), h.stream(), st.stream);
                return false;
            }
            from = h.from();
            stream = st;
            vertx.cancelTimer(handshakeTimer);
            reader.maxFrame(maxFrameBytes);
            socket.write(BusFrames.resume(last, auth.enabled() ? auth.resumeMac(challenge, h, last) : NO_MAC));
            log.debug("event=bus_inbound_open from_node={} stream={} resume_after={}", from, h.stream(), last);
            return true;
        }

        private boolean data(Buffer buf, int start, int end) {
            long seq = buf.getLong(start + 1);
            int kind = buf.getByte(start + 9);
            SenderStream st = stream;
            long last;
            boolean retired;
            RuntimeException failed = null;
            synchronized (st) {
                last = st.last;
                retired = st.retired;
                if (!retired && seq <= last) {
                    counters.duplicates.increment();
                } else if (!retired && seq == last + 1) {
                    try {
                        receiver.onMessage(from, kind, new BufferDataInput(buf, start + 10, end));
                    } catch (RuntimeException e) {
                        failed = e; // processed all the same: handed over again, it would fail again and stop the stream
                    }
                    st.last = seq;
                } // else refused below, outside the lock
            }
            if (retired) {
                log.info("event=bus_inbound_retired from_node={} stream={}", from, st.stream);
                return false;
            }
            if (seq > last + 1) {
                log.warn("event=bus_stream_gap from_node={} stream={} expected={} got={}", from, st.stream, last + 1, seq);
                return false;
            }
            if (failed != null) {
                log.warn("event=bus_receiver_failed from_node={} kind={} seq={} error={}", from, kind, seq, failed.toString());
            }
            ackDue = true;
            return true;
        }

        private void request(long id, int kind, BufferDataInput payload) {
            Future<Buffer> reply;
            try {
                reply = receiver.onRequest(from, kind, payload);
            } catch (RuntimeException e) {
                reply = Future.failedFuture(e);
            }
            reply.onComplete(ar -> {
                Buffer body = ar.succeeded() && ar.result() != null ? ar.result() : Buffer.buffer();
                socket.write(BusFrames.reply(id, ar.succeeded(), body));
            });
        }
    }
}
