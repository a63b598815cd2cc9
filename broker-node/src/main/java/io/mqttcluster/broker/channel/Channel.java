package io.mqttcluster.broker.channel;

import io.mqttcluster.broker.mqtt.Refusal;
import io.mqttcluster.broker.auth.Acl;
import io.mqttcluster.broker.auth.Security;
import io.mqttcluster.broker.cluster.StoreDeadline;
import io.mqttcluster.broker.channel.Outbound.Outgoing;
import io.mqttcluster.broker.metrics.BrokerMetrics.DropReason;
import io.mqttcluster.broker.session.LocalClient;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.ClaimResult;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.mqttcluster.cluster.session.SessionRecord;
import io.mqttcluster.cluster.session.SnapshotResult;
import io.mqttcluster.cluster.session.SubOptions;
import io.mqttcluster.cluster.topic.Topics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * The MQTT protocol for one connection: a packet in, actions out. It decides every reply and keeps the
 * session's state while the client is connected; the socket is behind {@link ChannelOutput}, so every rule
 * runs without one. The work is split by concern: CONNECT, delivery to the client and the connection's end
 * here; PUBLISH and PUBREL from the client in {@link InboundPublishes}; SUBSCRIBE and UNSUBSCRIBE in
 * {@link SubscribeRequests}; the in-flight window in {@link Outbound}; the order of stored messages in
 * {@link DurableSequencer}.
 *
 * <p>CONNECT: checks, then the cluster-wide claim of the client id (closing an older connection with the
 * same id, without its will), CONNACK with session present, then the resumed session's subscriptions and
 * queue. The end: will on an abnormal end, session released or kept.
 *
 * <p>Thread: every method runs on the connection's event loop ({@link #context()}); other threads call in
 * through that context.
 */
public final class Channel implements LocalClient, Outbound.Sink {

    private static final Logger log = LoggerFactory.getLogger(Channel.class);
    /** A CONNECT slower than this to its CONNACK is logged, with where the time went. */
    private static final long SLOW_CONNECT_NANOS = 1_000_000_000L;

    enum State { NEW, CONNECTING, CONNECTED, CLOSED }

    /** A PUBREL waiting for its PUBREC to be recorded in the store. */
    private record PendingPubrel(Future<Object> marked, int packetId) {
    }

    private final ChannelServices services;
    private final ChannelOutput out;
    private final ContextInternal context;
    private final InboundPublishes inbound = new InboundPublishes(this);
    private final SubscribeRequests subscribe = new SubscribeRequests(this);

    private State state = State.NEW;
    private long connectStartNanos;
    private long claimMillis;
    private long takeoverMillis;
    // read by other event loops (the router, the session registry): volatile
    private volatile String clientId;
    private volatile int protocolVersion = 4;
    private volatile boolean persistent;
    private volatile long epoch;
    private long sessionUid;
    private boolean disconnectReceived;
    private boolean restoring;
    private CloseReason closeReason;
    /** The user name the rules know this client by (CONNECT's, or its certificate's CN); null: anonymous. */
    private volatile String user;
    private Acl.ClientAcl acl;
    private long aclVersion = -1;
    /** A takeover asked for while this connection was still claiming (epoch taken over); 0 when none. */
    private long kickedEpoch;

    // allocated on first use: most connections of a fleet are idle devices that never need them
    private Outbound outbound;
    private int window;
    private DurableSequencer sequencer;
    private long gapTimer = -1;
    private boolean resyncing;
    /** Messages this connection's window dropped because its queue was full. */
    private long queueDrops;
    private ArrayDeque<PendingPubrel> pubrels;
    /** Stored-copy notices that arrived while connecting, with their epoch. */
    private List<Object[]> early;
    /** What this connection knew of its shared-group copies when it ended (set by releaseLocalState). */
    private io.mqttcluster.cluster.session.SharedHandover handover;
    private long[] acks;
    private int ackCount;
    private int storeOpsInFlight;
    private Promise<Void> ended;
    private Promise<Void> storeOpsDrained;

    public Channel(ChannelServices services, ChannelOutput out, ContextInternal context) {
        this.services = services;
        this.out = out;
        this.context = context;
    }

    // ---------------------------------------------------------------- identity

    @Override
    public ContextInternal context() {
        return context;
    }

    @Override
    public String clientId() {
        return clientId;
    }

    public int protocolVersion() {
        return protocolVersion;
    }

    @Override
    public boolean persistent() {
        return persistent;
    }

    public long epoch() {
        return epoch;
    }

    long sessionUid() {
        return sessionUid;
    }

    public String user() {
        return user;
    }

    public boolean isConnected() {
        return state == State.CONNECTED;
    }

    /** CONNECT received, session not yet claimed (no CONNACK sent yet). */
    public boolean isConnecting() {
        return state == State.CONNECTING;
    }

    /** The client's address as the connection sees it (the real one behind a PROXY-protocol gateway). */
    public String remoteAddress() {
        return out.remoteAddress();
    }

    public CloseReason closeReason() {
        return closeReason;
    }

    ChannelServices services() {
        return services;
    }

    ChannelOutput out() {
        return out;
    }

    boolean restoring() {
        return restoring;
    }

    // ---------------------------------------------------------------- CONNECT

    /** Where a CONNECT's time went (set by the session manager before the claim completes): for slow_connect. */
    public void connectTimings(long claimMillis, long takeoverMillis) {
        this.claimMillis = claimMillis;
        this.takeoverMillis = takeoverMillis;
    }

    /** CONNECT; called again (with anything) for a second CONNECT on the connection, which is an error. */
    public void onConnect(Packets.Connect c) {
        if (state != State.NEW || c == null) {
            protocolError("second CONNECT"); // [MQTT-3.1.0-2]
            return;
        }
        protocolVersion = c.protocolVersion();
        state = State.CONNECTING;
        connectStartNanos = System.nanoTime();
        if (protocolVersion < 3 || protocolVersion > 5) {
            refuse(Refusal.UNSUPPORTED_PROTOCOL, "protocol level " + protocolVersion); // [MQTT-3.1.2-2]
            return;
        }
        if (!services.admission().accepting()) {
            refuse(Refusal.SERVER_UNAVAILABLE, services.admission().notAcceptingReason());
            return;
        }
        if (services.metrics().connections() > services.config().maxConnections()) {
            refuse(Refusal.SERVER_UNAVAILABLE, "max connections");
            return;
        }
        String id = c.clientId() == null ? "" : c.clientId();
        boolean assigned = false;
        if (id.isEmpty()) {
            if (!c.cleanStart() && protocolVersion < 5) {
                refuse(Refusal.CLIENT_ID_REJECTED, "empty client id with clean session 0"); // [MQTT-3.1.3-8]
                return;
            }
            id = "auto-" + UUID.randomUUID(); // [MQTT-3.1.3-6]
            assigned = true;
        }
        if (!assigned && id.length() > services.config().maxClientIdLength()) {
            refuse(Refusal.CLIENT_ID_REJECTED, "client id longer than " + services.config().maxClientIdLength());
            return;
        }
        clientId = id;
        Message will = null;
        int willDelay = 0;
        if (c.will() != null) {
            Packets.Will w = c.will();
            String problem = Topics.checkTopicName(w.topic(), services.topicLimits());
            if (problem == null && Topics.isDollarTopic(w.topic())) {
                problem = "will topic starts with $";
            }
            if (problem != null) {
                if (protocolVersion >= 5) {
                    refuse(Refusal.TOPIC_NAME_INVALID, "will topic: " + problem);
                } else {
                    protocolError("will topic: " + problem);
                }
                return;
            }
            will = newMessage(w.topic(), w.payload(), Math.min(w.qos(), services.config().maxQos()), w.retain());
            willDelay = w.delaySeconds();
        }
        Message connectWill = will;
        int connectWillDelay = willDelay;
        boolean assignedId = assigned;
        Future<Security.Verdict> verdict = services.security().authenticate(c.username(), c.password(), out.certificateName());
        if (verdict.isComplete()) {
            authenticated(c, verdict, connectWill, connectWillDelay, assignedId);
        } else {
            verdict.onComplete(ar -> context.runOnContext(v -> authenticated(c, verdict, connectWill, connectWillDelay, assignedId)));
        }
    }

    /** After the credentials were judged: refuse, or check the will against the ACL and claim the session. */
    private void authenticated(Packets.Connect c, Future<Security.Verdict> verdict, Message will, int willDelay,
                               boolean assignedId) {
        if (state != State.CONNECTING) {
            return; // the socket went away meanwhile
        }
        if (verdict.failed()) {
            log.warn("event=authentication_failed client_id={} error={}", clientId, oneLine(verdict.cause()));
            refuse(Refusal.SERVER_UNAVAILABLE, "authentication error");
            return;
        }
        Security.Verdict v = verdict.result();
        if (!v.accepted()) {
            services.metrics().authFailure(v.refusal());
            refuse(v.refusal(), v.refusal() == Refusal.SERVER_BUSY ? "too many password checks waiting"
                    : c.username() == null ? "no user name" : "user " + quote(c.username()));
            return;
        }
        user = v.user();
        if (will != null && !acl().canPublish(will.topic())) {
            refuse(Refusal.NOT_AUTHORIZED, "will topic not allowed: " + will.topic());
            return;
        }
        long expiry;
        if (protocolVersion >= 5 && c.sessionExpirySeconds() >= 0) {
            expiry = Math.min(c.sessionExpirySeconds() == 0xFFFFFFFFL ? SessionRecord.NEVER : c.sessionExpirySeconds(),
                    services.config().sessionExpirySeconds());
        } else {
            expiry = c.cleanStart() ? 0 : services.config().sessionExpirySeconds();
        }
        persistent = expiry > 0;
        window = Math.min(services.config().maxInflight(), c.receiveMaximum() > 0 ? c.receiveMaximum() : 65_535);
        restoring = true;
        services.sessions().connect(this, c.cleanStart(), expiry, will, willDelay)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        log.warn("event=connect_failed client_id={} remote={} error={}", clientId, out.remoteAddress(),
                                oneLine(ar.cause()));
                        if (state != State.CLOSED) {
                            refuse(Refusal.SERVER_UNAVAILABLE, "session store unavailable");
                        }
                        return;
                    }
                    accepted(ar.result(), assignedId);
                });
    }

    private void accepted(ClaimResult claim, boolean assignedId) {
        epoch = claim.epoch();
        sessionUid = claim.sessionUid();
        if (claim.endedWill() != null) {
            // the session this claim ended owed a delayed will: its session is over now [MQTT-3.1.3-9]
            services.router().publishWill(claim.endedWill(), context);
        }
        if (state == State.CLOSED) {
            // the socket went away while we were claiming: give the session back, no will
            services.sessions().disconnected(this, false, null).onComplete(ar -> ended().tryComplete());
            return;
        }
        if (kickedEpoch >= epoch) {
            // a newer connection on another node claimed the id right after us
            closeReason = CloseReason.TAKEN_OVER;
            state = State.CLOSED;
            services.metrics().takeover();
            services.sessions().forget(this);
            out.close(CloseReason.TAKEN_OVER);
            return;
        }
        state = State.CONNECTED;
        services.metrics().connect("accepted");
        out.connackAccepted(claim.sessionPresent(), assignedId ? clientId : null);
        long tookNanos = System.nanoTime() - connectStartNanos;
        services.metrics().connectLatency(tookNanos);
        if (tookNanos > SLOW_CONNECT_NANOS) {
            log.info("event=slow_connect client_id={} took_ms={} claim_ms={} takeover_ms={} session_present={}", clientId,
                    tookNanos / 1_000_000, claimMillis, takeoverMillis, claim.sessionPresent());
        }
        log.debug("event=connected client_id={} remote={} persistent={} session_present={} epoch={}", clientId,
                out.remoteAddress(), persistent, claim.sessionPresent(), epoch);
        subscribe.discard(claim.discardedSubscriptions(), claim.discardedSessionUid());
        if (claim.sessionPresent()) {
            subscribe.resume(claim.subscriptions());
            // a read, repeated like the writes when it gets no answer; null when a newer connection claimed the session
            retrying(() -> services.store().snapshot(clientId, epoch)).onComplete(ar -> {
                if (state != State.CONNECTED) {
                    return;
                }
                if (ar.failed()) {
                    storeFailed("session_snapshot", ar.cause());
                    return;
                }
                SnapshotResult snapshot = ar.result();
                List<QueuedMessage> queue = sequencer().resync(snapshot == null ? List.of() : snapshot.queue(),
                        snapshot == null ? claim.nextSeq() : snapshot.nextSeq());
                if (!queue.isEmpty()) {
                    window().restore(queue);
                }
                endRestoring();
            });
        } else {
            if (persistent) {
                sequencer().start(claim.nextSeq());
            }
            endRestoring();
        }
    }

    private void endRestoring() {
        restoring = false;
        if (early != null) {
            List<Object[]> notices = early;
            early = null;
            for (Object[] n : notices) {
                deliverQueued((Long) n[0], (QueuedMessage) n[1]);
            }
        }
        if (outbound != null) {
            outbound.pump();
        }
    }

    /** The ACL for this client under the rules in force now (rebuilt when they were reloaded). */
    Acl.ClientAcl acl() {
        Security.Rules rules = services.security().rules();
        if (acl == null || aclVersion != rules.version()) {
            acl = rules.acl().forClient(user, clientId);
            aclVersion = rules.version();
        }
        return acl;
    }

    void logDenied(String topic) {
        if (log.isDebugEnabled()) {
            log.debug("event=publish_denied client_id={} user={} topic={}", clientId, user, topic);
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("\n", " ") + "'";
    }

    private void refuse(Refusal refusal, String why) {
        services.metrics().connect("refused");
        log.info("event=connect_refused client_id={} remote={} reason={} detail=\"{}\"", clientId, out.remoteAddress(),
                refusal.name().toLowerCase(java.util.Locale.ROOT), why);
        closeReason = CloseReason.CONNECT_REFUSED;
        state = State.CLOSED;
        out.connackRefused(refusal);
    }

    // ---------------------------------------------------------------- packets after CONNECT

    public void onPublish(Packets.Publish p) {
        if (state != State.CONNECTED) {
            protocolError("PUBLISH before CONNACK");
            return;
        }
        inbound.onPublish(p);
    }

    public void onPubrel(int packetId) {
        if (state == State.CONNECTED) {
            inbound.onPubrel(packetId);
        }
    }

    public void onSubscribe(Packets.Subscribe s) {
        if (state != State.CONNECTED) {
            protocolError("SUBSCRIBE before CONNACK");
            return;
        }
        subscribe.onSubscribe(s);
    }

    public void onUnsubscribe(Packets.Unsubscribe u) {
        if (state != State.CONNECTED) {
            protocolError("UNSUBSCRIBE before CONNACK");
            return;
        }
        subscribe.onUnsubscribe(u);
    }

    /** After the rules were reloaded: drops the subscriptions they no longer allow. Any thread. */
    public void recheckAcl() {
        context.runOnContext(v -> {
            if (state == State.CONNECTED) {
                subscribe.recheckAcl();
            }
        });
    }

    public void onPuback(int packetId) {
        if (state == State.CONNECTED && outbound != null) {
            outbound.onPuback(packetId);
        }
    }

    public void onPubrec(int packetId) {
        if (state == State.CONNECTED) {
            window().onPubrec(packetId);
        }
    }

    public void onPubcomp(int packetId) {
        if (state == State.CONNECTED && outbound != null) {
            outbound.onPubcomp(packetId);
        }
    }

    /** The connection can take writes again. */
    public void onWritable() {
        if (state == State.CONNECTED && !restoring && outbound != null) {
            outbound.pump();
        }
    }

    Message newMessage(String topic, byte[] payload, int qos, boolean retain) {
        return new Message(services.messageIds().high(), services.messageIds().nextLow(), topic, payload, qos, retain,
                clientId, System.currentTimeMillis(), null);
    }

    // ---------------------------------------------------------------- delivery to this client

    /**
     * A message for this client that needs no stored copy (clean session, or QoS 0). QoS 0 is written if
     * the socket takes it and dropped (counted) if not; QoS 1/2 waits in the window.
     */
    @Override
    public void deliverDirect(Message message, int qos, boolean retainFlag, String shareKey) {
        if (state != State.CONNECTED) {
            if (shareKey != null && qos > 0) {
                services.router().redispatchShared(message, qos, shareKey, clientId, context);
            }
            return;
        }
        if (qos == 0) {
            if (out.writable()) {
                out.publish(0, message, 0, false, retainFlag);
                services.metrics().delivered(0, message.createdAtMillis());
            } else {
                services.metrics().dropped(DropReason.SLOW_CONSUMER);
            }
            return;
        }
        window().enqueue(new Outgoing(message, qos, -1, retainFlag, shareKey, false));
    }

    /**
     * A message stored in this persistent session's queue, for the connection of {@code noticeEpoch}:
     * handed to the window in queue order ({@link DurableSequencer}).
     */
    @Override
    public void deliverQueued(long noticeEpoch, QueuedMessage q) {
        if (state == State.CONNECTING) {
            if (early == null) {
                early = new ArrayList<>();
            }
            early.add(new Object[]{noticeEpoch, q});
            return;
        }
        if (state != State.CONNECTED || noticeEpoch != epoch) {
            return; // for another connection of this client: it is in the queue that connection reads
        }
        if (sequencer().started() && q.seq() < sequencer.expected()) {
            log.info("event=queued_notice_dropped client_id={} seq={} expected_seq={} message={}", clientId, q.seq(),
                    sequencer.expected(), q.message());
        }
        List<QueuedMessage> ready = sequencer().offer(q);
        for (QueuedMessage m : ready) {
            window().enqueue(new Outgoing(m.message(), m.qos(), m.seq(), m.retainFlag(), m.shareGroup(), m.maybeSent()));
        }
        if (!sequencer.hasGap()) {
            if (gapTimer >= 0) {
                services.vertx().cancelTimer(gapTimer); // the missing ones arrived
                gapTimer = -1;
            }
        } else if (!restoring) {
            if (sequencer.waitingCount() > services.config().maxQueuedMessages()) {
                resync();
            } else if (!resyncing) {
                deliverQueuedGapCheck();
            }
        }
    }

    /** Re-reads the stored queue: a message this connection should have been told about is missing. */
    private void resync() {
        if (resyncing || state != State.CONNECTED) {
            return;
        }
        if (gapTimer >= 0) {
            services.vertx().cancelTimer(gapTimer);
            gapTimer = -1;
        }
        resyncing = true;
        services.metrics().queueResync();
        long expectedBefore = sequencer.expected();
        int waitingBefore = sequencer.waitingCount();
        retrying(() -> services.store().snapshot(clientId, epoch)).onComplete(ar -> {
            resyncing = false;
            if (state != State.CONNECTED) {
                return;
            }
            if (ar.failed() || ar.result() == null) {
                // the store is failing, or a newer connection took over: try again while the gap is open
                log.info("event=session_queue_resync client_id={} result={}", clientId, ar.failed() ? oneLine(ar.cause()) : "taken_over");
                if (ar.succeeded()) {
                    return;
                }
                deliverQueuedGapCheck();
                return;
            }
            List<QueuedMessage> found = sequencer.resync(ar.result().queue(), ar.result().nextSeq());
            log.info("event=session_queue_resync client_id={} expected_seq={} waiting={} stored={} stored_seqs={} next_seq={} handed_over={} expected_after={}",
                    clientId, expectedBefore, waitingBefore, ar.result().queue().size(),
                    ar.result().queue().stream().map(QueuedMessage::seq).toList(), ar.result().nextSeq(), found.size(), sequencer.expected());
            for (QueuedMessage m : found) {
                window().enqueue(new Outgoing(m.message(), m.qos(), m.seq(), m.retainFlag(), m.shareGroup(), m.maybeSent()));
            }
            if (sequencer.hasGap()) {
                deliverQueuedGapCheck();
            }
        });
    }

    /** Re-reads the stored queue if the gap is still open after {@code mqtt.queue-gap-wait}. */
    private void deliverQueuedGapCheck() {
        if (gapTimer < 0) {
            gapTimer = services.vertx().setTimer(services.config().queueGapWaitMillis(), t -> {
                gapTimer = -1;
                if (sequencer.hasGap()) {
                    resync();
                }
            });
        }
    }

    private DurableSequencer sequencer() {
        if (sequencer == null) {
            sequencer = new DurableSequencer();
        }
        return sequencer;
    }

    // Outbound.Sink

    @Override
    public boolean writable() {
        return out.writable() && !restoring;
    }

    @Override
    public void sendPublish(int packetId, Outgoing o, boolean dup) {
        out.publish(packetId, o.message(), o.qos(), dup, o.retainFlag());
        services.metrics().delivered(o.qos(), dup ? 0 : o.message().createdAtMillis());
    }

    @Override
    public void sendPubrel(int packetId) {
        out.pubrel(packetId);
    }

    @Override
    public void durableDone(long seq) {
        if (ackCount == 0) {
            context.runOnContext(v -> flushAcks());
        }
        if (acks == null) {
            acks = new long[8];
        } else if (ackCount == acks.length) {
            acks = Arrays.copyOf(acks, acks.length * 2);
        }
        acks[ackCount++] = seq;
    }

    private void flushAcks() {
        if (ackCount == 0) {
            return;
        }
        long[] seqs = Arrays.copyOf(acks, ackCount);
        ackCount = 0;
        retrying(() -> services.store().ack(clientId, seqs));
    }

    @Override
    public void durablePubrecThenPubrel(long seq, int packetId) {
        // PUBREL goes out in the order the PUBRECs came in [MQTT-4.6.0-4], each after its mark is stored;
        // store answers may complete out of order, so they wait in line
        Future<Object> marked = retrying(() -> services.store().markPubrel(clientId, seq));
        if (pubrels == null) {
            pubrels = new ArrayDeque<>(4);
        }
        pubrels.addLast(new PendingPubrel(marked, packetId));
        marked.onComplete(ar -> drainPubrels());
    }

    private void drainPubrels() {
        while (!pubrels.isEmpty() && pubrels.peekFirst().marked().isComplete()) {
            PendingPubrel p = pubrels.pollFirst();
            if (state != State.CONNECTED) {
                continue;
            }
            if (p.marked().failed()) {
                // without the mark, PUBREL must not go out; the client gets it after it reconnects
                storeFailed("mark_pubrel", p.marked().cause());
                return;
            }
            out.pubrel(p.packetId());
        }
    }

    @Override
    public void dropped(Outgoing message) {
        services.metrics().dropped(DropReason.QUEUE_FULL);
        if (queueDrops++ == 0) {
            // once per connection: which client overflows is what an operator asks after the queue_full alert
            log.warn("event=session_queue_full client_id={} limit={} first_dropped={}", clientId,
                    services.config().maxQueuedMessages(), message.message());
        }
    }

    /** The in-flight window, created with the first QoS 1/2 message (idle devices never need one). */
    Outbound window() {
        if (outbound == null) {
            outbound = new Outbound(this, window, services.config().maxQueuedMessages(), services.config().dropOldest());
        }
        return outbound;
    }

    /** The in-flight window, or null while no QoS 1/2 message went to this client. */
    public Outbound outbound() {
        return outbound;
    }

    @Override
    public SubOptions subscription(String filter) {
        return subscribe.options().get(filter);
    }

    /** For tests: subscriptions by filter. */
    public Map<String, SubOptions> subscriptionOptions() {
        return subscribe.options();
    }

    // ---------------------------------------------------------------- the end

    /** The client sent DISCONNECT: the will is discarded [MQTT-3.14.4-3]. */
    public void onDisconnect() {
        disconnectReceived = true;
    }

    /** The connection closed, for whatever reason. Idempotent. */
    public void onClosed() {
        if (state == State.CLOSED) {
            return;
        }
        State was = state;
        state = State.CLOSED;
        CloseReason reason = closeReason != null ? closeReason
                : disconnectReceived ? CloseReason.CLIENT_DISCONNECT : CloseReason.CONNECTION_LOST;
        closeReason = reason;
        releaseLocalState();
        if (was == State.CONNECTED) {
            flushAcks();
            log.debug("event=disconnected client_id={} remote={} reason={}", clientId, out.remoteAddress(), reason.label());
            services.sessions().disconnected(this, reason.publishesWill() && !disconnectReceived, handover)
                    .onFailure(err -> log.warn("event=session_release_failed client_id={} error={}", clientId, oneLine(err)))
                    .onComplete(ar -> ended().tryComplete());
        } else {
            ended().tryComplete();
        }
        // CONNECTING: the claim's continuation sees CLOSED and gives the session back
    }

    /**
     * Another connection (on another node) claimed this client id at {@code kickEpoch}. Runs on this
     * connection's context, so it cannot fall between this connection learning its own epoch and checking
     * for a takeover. Completes once this connection is closed and its last acknowledgements are stored.
     */
    public Future<Void> kick(long kickEpoch) {
        Promise<Void> done = context.promise();
        context.execute(() -> {
            if (state == State.CONNECTING || state == State.NEW) {
                kickedEpoch = Math.max(kickedEpoch, kickEpoch); // seen when the claim returns
                done.complete();
            } else if (state == State.CONNECTED && epoch <= kickEpoch) {
                takeOver().onComplete(done);
            } else {
                done.complete();
            }
        });
        return done.future();
    }

    /**
     * Another connection took this client id: close without the will and without releasing the session
     * (it belongs to the new connection now). Completes once this connection's last acknowledgements are
     * stored, so the new connection reads an up-to-date queue.
     */
    public Future<Void> takeOver() {
        Promise<Void> done = context.promise();
        context.execute(() -> {
            if (state == State.CLOSED) {
                services.sessions().forget(this);
                done.complete();
                return;
            }
            closeReason = CloseReason.TAKEN_OVER;
            services.metrics().takeover();
            state = State.CLOSED;
            releaseLocalState();
            flushAcks();
            services.sessions().forget(this);
            out.close(CloseReason.TAKEN_OVER);
            storeOpsDrained().onComplete(ar -> done.complete());
        });
        return done.future();
    }

    /** Closes the connection because the node stops; completes once its session is released. */
    public Future<Void> shutdown() {
        Promise<Void> done = context.promise();
        context.execute(() -> {
            if (state == State.CONNECTED || state == State.CONNECTING) {
                ended().future().onComplete(done);
                close(CloseReason.SERVER_SHUTDOWN);
            } else {
                done.tryComplete();
            }
        });
        return done.future();
    }

    private void releaseLocalState() {
        if (gapTimer >= 0) {
            services.vertx().cancelTimer(gapTimer);
            gapTimer = -1;
        }
        boolean shared = subscribe.hasShared();
        subscribe.releaseLocal();
        List<Long> neverSent = new ArrayList<>();
        if (outbound != null) {
            for (Outgoing o : outbound.abandon()) {
                if (o.shareGroup() != null && !o.durable()) {
                    // a QoS 2 copy this client may have received stays its own [MQTT-4.8.2-5]
                    if (o.qos() < 2 || !o.dup) {
                        services.router().redispatchShared(o.message(), o.qos(), o.shareGroup(), clientId, context);
                    }
                } else if (o.shareGroup() != null && !o.dup) {
                    neverSent.add(o.seq());
                }
            }
        }
        if (shared && persistent) {
            long handedUpTo = sequencer != null && sequencer.started() && !restoring ? sequencer.expected() : Long.MAX_VALUE;
            handover = new io.mqttcluster.cluster.session.SharedHandover(handedUpTo,
                    neverSent.stream().mapToLong(Long::longValue).toArray());
        }
    }

    /** Closes the connection (protocol error, store failure, shutdown); the will is published where due. */
    public void close(CloseReason reason) {
        if (state == State.CLOSED) {
            return;
        }
        closeReason = reason;
        out.close(reason);
        onClosed();
    }

    void protocolError(String detail) {
        log.info("event=protocol_error client_id={} remote={} detail=\"{}\"", clientId, out.remoteAddress(), detail);
        if (state == State.CONNECTING || state == State.NEW) {
            closeReason = CloseReason.PROTOCOL_ERROR;
            state = State.CLOSED;
            out.close(CloseReason.PROTOCOL_ERROR);
            return;
        }
        close(CloseReason.PROTOCOL_ERROR);
    }

    /** A store write the protocol depends on failed: close without acknowledging (the client sends again). */
    void storeFailed(String what, Throwable cause) {
        if (state != State.CONNECTED) {
            return;
        }
        log.warn("event=store_failed client_id={} operation={} error={}", clientId, what, oneLine(cause));
        close(CloseReason.STORE_FAILURE);
    }

    private Promise<Void> ended() {
        if (ended == null) {
            ended = context.promise();
        }
        return ended;
    }

    // ---------------------------------------------------------------- store operations

    <T> Future<T> track(CompletionStage<T> stage) {
        return track(Future.fromCompletionStage(stage, context));
    }

    <T> Future<T> track(Future<T> f) {
        storeOpsInFlight++;
        f.onComplete(ar -> {
            if (ar.failed()) {
                log.debug("event=store_operation_failed client_id={} error={}", clientId, oneLine(ar.cause()));
            }
            if (--storeOpsInFlight == 0 && storeOpsDrained != null) {
                Promise<Void> p = storeOpsDrained;
                storeOpsDrained = null;
                p.complete();
            }
        });
        return f;
    }

    /** Attempts of an idempotent store write before the connection gives up on it. */
    private static final int STORE_ATTEMPTS = 6;

    /**
     * An idempotent store write, tried again when it fails: a node died under it, its backup did not answer
     * in time, or it got no answer at all within {@code cluster.store-timeout} ({@link StoreDeadline}), so it
     * may or may not have been applied, and applying it twice is harmless. Waits 100 ms, then twice as long
     * each time; tracked like every store operation.
     */
    <T> Future<T> retrying(java.util.function.Supplier<CompletionStage<T>> write) {
        return track(attempt(write, 1));
    }

    private <T> Future<T> attempt(java.util.function.Supplier<CompletionStage<T>> write, int n) {
        return StoreDeadline.within(write.get(), context, services.config().storeTimeoutMillis()).recover(err -> {
            if (n >= STORE_ATTEMPTS) {
                return Future.failedFuture(err);
            }
            log.debug("event=store_write_retry client_id={} attempt={} error={}", clientId, n, oneLine(err));
            Promise<T> next = context.promise();
            services.vertx().setTimer(100L << (n - 1), t -> attempt(write, n + 1).onComplete(next));
            return next.future();
        });
    }

    private Future<Void> storeOpsDrained() {
        if (storeOpsInFlight == 0) {
            return Future.succeededFuture();
        }
        if (storeOpsDrained == null) {
            storeOpsDrained = context.promise();
        }
        return storeOpsDrained.future();
    }

    static String oneLine(Throwable t) {
        String m = t.getClass().getSimpleName() + ": " + t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
