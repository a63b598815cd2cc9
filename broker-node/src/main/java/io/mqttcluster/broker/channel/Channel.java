package io.mqttcluster.broker.channel;

import io.mqttcluster.broker.Broker;
import io.mqttcluster.broker.auth.Acl;
import io.mqttcluster.broker.auth.Security;
import io.mqttcluster.broker.channel.Outbound.Outgoing;
import io.mqttcluster.broker.metrics.BrokerMetrics.DropReason;
import io.mqttcluster.broker.pubsub.Publication;
import io.mqttcluster.broker.pubsub.Subscription;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.mqttcluster.cluster.session.SessionResults.ClaimResult;
import io.mqttcluster.cluster.session.SubOptions;
import io.mqttcluster.cluster.topic.SharedSubscription;
import io.mqttcluster.cluster.topic.Topics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The MQTT protocol for one connection: a packet in, actions out. It decides every reply, keeps the
 * session's state while the client is connected, and talks to the rest of the broker through
 * {@link Broker}; the socket is behind {@link ChannelOutput}, so every rule here runs without one.
 *
 * <p>Flows, by packet:
 * <ul>
 *   <li>CONNECT: checks, then the cluster-wide claim of the client id (closing an older connection with
 *       the same id, without its will), CONNACK with session present, then the resumed session's
 *       subscriptions and queue.</li>
 *   <li>PUBLISH: QoS 0, QoS 1 (PUBACK) and QoS 2 (PUBREC; the packet id is remembered until PUBREL so a
 *       resent PUBLISH with DUP=1 is not delivered twice [MQTT-4.3.3-2]). Publishes are answered and
 *       delivered strictly in the order received, also when some of them wait for the store
 *       [MQTT-4.6.0-2] [MQTT-4.6.0-3].</li>
 *   <li>SUBSCRIBE / UNSUBSCRIBE: validation, granted QoS, retained messages after the SUBACK.</li>
 *   <li>PUBACK / PUBREC / PUBCOMP from the client: the {@link Outbound} window.</li>
 *   <li>Connection end: will on an abnormal end, session released or kept.</li>
 * </ul>
 *
 * <p>Thread: every method runs on the connection's event loop ({@link #context()}); other threads call
 * {@link #deliverDirect} and {@link #deliverQueued} through that context.
 */
public final class Channel implements Outbound.Sink {

    private static final Logger log = LoggerFactory.getLogger(Channel.class);

    enum State { NEW, CONNECTING, CONNECTED, CLOSED }

    /** One publish waiting for its turn: answered and delivered when it and all before it are stored. */
    private record Step(Future<Publication> ready, int ack, int packetId) {
    }

    /** A PUBREL waiting for its PUBREC to be recorded in the store. */
    private record PendingPubrel(Future<Object> marked, int packetId) {
    }

    private static final int ACK_NONE = 0;
    private static final int ACK_PUBACK = 1;
    private static final int ACK_PUBREC = 2;

    private final Broker broker;
    private final ChannelOutput out;
    private final ContextInternal context;

    private State state = State.NEW;
    /** A CONNECT slower than this to its CONNACK is logged, with where the time went. */
    private static final long SLOW_CONNECT_NANOS = 1_000_000_000L;
    private long connectStartNanos;
    private long claimMillis;
    private long takeoverMillis;
    // read by other event loops (the router, the session registry): volatile
    private volatile String clientId;
    private volatile int protocolVersion = 4;
    private volatile boolean persistent;
    private volatile long epoch;
    private boolean disconnectReceived;
    private boolean restoring;
    private CloseReason closeReason;
    /** The user name the rules know this client by (CONNECT's, or its certificate's CN); null: anonymous. */
    private volatile String user;
    /** The ACL as it applies to this client, and the rules version it was made from. */
    private Acl.ClientAcl acl;
    private long aclVersion = -1;

    // allocated on first use: most connections of a fleet are idle devices that never need them
    private Map<String, Subscription> subscriptions;
    private Outbound outbound;
    private int window;
    private ArrayDeque<Step> pipeline;
    private ArrayDeque<PendingPubrel> pubrels;
    private Set<Integer> inboundQos2;
    /** Queued-message notices that arrived while connecting or restoring. */
    private List<Object[]> deferred;
    private long[] acks;
    private int ackCount;
    private int storeOpsInFlight;
    /** Completes when the connection's end has been recorded in the store (session released, will published). */
    private Promise<Void> ended;
    private Promise<Void> storeOpsDrained;

    public Channel(Broker broker, ChannelOutput out, ContextInternal context) {
        this.broker = broker;
        this.out = out;
        this.context = context;
    }

    private Map<String, Subscription> subscriptions() {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>(4);
        }
        return subscriptions;
    }

    private Promise<Void> ended() {
        if (ended == null) {
            ended = context.promise();
        }
        return ended;
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

    public ContextInternal context() {
        return context;
    }

    public String clientId() {
        return clientId;
    }

    public int protocolVersion() {
        return protocolVersion;
    }

    public boolean persistent() {
        return persistent;
    }

    public long epoch() {
        return epoch;
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
        if (!broker.acceptingConnections()) {
            refuse(Refusal.SERVER_UNAVAILABLE, broker.notAcceptingReason());
            return;
        }
        if (broker.metrics().connections() > broker.config().maxConnections()) {
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
        if (!assigned && id.length() > broker.config().maxClientIdLength()) {
            refuse(Refusal.CLIENT_ID_REJECTED, "client id longer than " + broker.config().maxClientIdLength());
            return;
        }
        clientId = id;
        Message will = null;
        int willDelay = 0;
        if (c.will() != null) {
            Packets.Will w = c.will();
            String problem = Topics.checkTopicName(w.topic(), broker.topicLimits());
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
            will = newMessage(w.topic(), w.payload(), Math.min(w.qos(), broker.config().maxQos()), w.retain());
            willDelay = w.delaySeconds();
        }
        Message connectWill = will;
        int connectWillDelay = willDelay;
        boolean assignedId = assigned;
        Future<Security.Verdict> verdict = broker.security().authenticate(c.username(), c.password(), out.certificateName());
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
            broker.metrics().authFailure(v.refusal());
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
            expiry = Math.min(c.sessionExpirySeconds() == 0xFFFFFFFFL ? Long.MAX_VALUE : c.sessionExpirySeconds(),
                    broker.config().sessionExpirySeconds());
        } else {
            expiry = c.cleanStart() ? 0 : broker.config().sessionExpirySeconds();
        }
        persistent = expiry > 0;
        int window = Math.min(broker.config().maxInflight(), c.receiveMaximum() > 0 ? c.receiveMaximum() : 65_535);
        this.window = window;
        restoring = true;
        broker.sessions().connect(this, c.cleanStart(), expiry, will, willDelay)
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
        if (state == State.CLOSED) {
            // the socket went away while we were claiming: give the session back, no will
            broker.sessions().disconnected(this, false, false).onComplete(ar -> ended().tryComplete());
            return;
        }
        if (broker.sessions().takenOverWhileConnecting(clientId, epoch)) {
            // a newer connection on another node claimed the id right after us
            closeReason = CloseReason.TAKEN_OVER;
            state = State.CLOSED;
            broker.metrics().takeover();
            broker.sessions().forget(this);
            out.close(CloseReason.TAKEN_OVER);
            return;
        }
        state = State.CONNECTED;
        broker.metrics().connect("accepted");
        out.connackAccepted(claim.sessionPresent(), assignedId ? clientId : null);
        long tookNanos = System.nanoTime() - connectStartNanos;
        broker.metrics().connectLatency(tookNanos);
        if (tookNanos > SLOW_CONNECT_NANOS) {
            log.info("event=slow_connect client_id={} took_ms={} claim_ms={} takeover_ms={} session_present={}", clientId,
                    tookNanos / 1_000_000, claimMillis, takeoverMillis, claim.sessionPresent());
        }
        log.debug("event=connected client_id={} remote={} persistent={} session_present={} epoch={}", clientId,
                out.remoteAddress(), persistent, claim.sessionPresent(), epoch);
        for (String filter : claim.discardedSubscriptions()) {
            if (!SharedSubscription.isShared(filter)) {
                track(broker.router().removeDurable(clientId, filter, context));
            }
        }
        if (claim.sessionPresent()) {
            List<Subscription> denied = new ArrayList<>();
            for (Map.Entry<String, SubOptions> e : claim.subscriptions().entrySet()) {
                Subscription sub = newSubscription(e.getKey(), e.getValue());
                if (sub == null) {
                    continue;
                }
                if (!acl().canSubscribe(sub.topicFilter())) {
                    denied.add(sub); // the rules changed while the client was away
                    continue;
                }
                subscriptions().put(e.getKey(), sub);
                track(broker.router().addLocal(sub, context));
            }
            if (!denied.isEmpty()) {
                forgetStored(denied, "revoked_on_resume");
            }
            broker.sessions().snapshot(this).onComplete(ar -> {
                if (state != State.CONNECTED) {
                    return;
                }
                if (ar.failed()) {
                    log.warn("event=session_snapshot_failed client_id={} error={}", clientId, oneLine(ar.cause()));
                    close(CloseReason.STORE_FAILURE);
                    return;
                }
                if (!ar.result().isEmpty()) {
                    window().restore(ar.result());
                }
                endRestoring();
            });
        } else {
            endRestoring();
        }
    }

    private void endRestoring() {
        restoring = false;
        if (deferred != null) {
            List<Object[]> notices = deferred;
            deferred = null;
            for (Object[] n : notices) {
                deliverQueued((Long) n[0], (QueuedMessage) n[1]);
            }
        }
    }

    /** The ACL for this client under the rules in force now (rebuilt when they were reloaded). */
    private Acl.ClientAcl acl() {
        Security.Rules rules = broker.security().rules();
        if (acl == null || aclVersion != rules.version()) {
            acl = rules.acl().forClient(user, clientId);
            aclVersion = rules.version();
        }
        return acl;
    }

    public String user() {
        return user;
    }

    private static String quote(String s) {
        return "'" + s.replace("\n", " ") + "'";
    }

    private void refuse(Refusal refusal, String why) {
        broker.metrics().connect("refused");
        log.info("event=connect_refused client_id={} remote={} reason={} detail=\"{}\"", clientId, out.remoteAddress(),
                refusal.name().toLowerCase(java.util.Locale.ROOT), why);
        closeReason = CloseReason.CONNECT_REFUSED;
        state = State.CLOSED;
        out.connackRefused(refusal);
    }

    // ---------------------------------------------------------------- PUBLISH in

    public void onPublish(Packets.Publish p) {
        if (state != State.CONNECTED) {
            protocolError("PUBLISH before CONNACK");
            return;
        }
        broker.metrics().received(p.qos());
        String problem = Topics.checkTopicName(p.topic(), broker.topicLimits());
        if (problem != null) {
            protocolError("publish topic: " + problem); // [MQTT-4.7.3-*], [MQTT-3.3.2-2]
            return;
        }
        boolean dropped = Topics.isDollarTopic(p.topic());
        if (dropped) {
            broker.metrics().dropped(DropReason.DOLLAR_TOPIC);
        } else if (!acl().canPublish(p.topic())) {
            // MQTT 3.1.1 has no way to say no: acknowledged as usual, delivered to no one, not retained, counted
            dropped = true;
            broker.metrics().dropped(DropReason.NOT_AUTHORIZED);
            if (log.isDebugEnabled()) {
                log.debug("event=publish_denied client_id={} user={} topic={}", clientId, user, p.topic());
            }
        }
        int qos = p.qos();
        boolean retain = p.retain() && broker.config().retainAvailable();
        if (qos == 0) {
            if (!dropped) {
                addStep(accept(p, retain, false).stored(), ACK_NONE, 0);
            }
            return;
        }
        if (qos == 1) {
            addStep(dropped ? Future.succeededFuture() : accept(p, retain, false).stored(), ACK_PUBACK, p.packetId());
            return;
        }
        // QoS 2
        int id = p.packetId();
        if (inboundQos2 == null) {
            inboundQos2 = new HashSet<>(4);
        }
        if (!inboundQos2.add(id) || dropped) {
            // a resend of a message we have and not yet released: acknowledge again, deliver nothing
            addStep(Future.succeededFuture(), ACK_PUBREC, id);
            return;
        }
        if (!persistent) {
            addStep(accept(p, retain, false).stored(), ACK_PUBREC, id);
            return;
        }
        // Persistent publisher: record the packet id with the message id before storing, so a resend after
        // a crash (this node gone before PUBREC) keeps the first id and stores skip the copy they have.
        Message fresh = newMessage(p.topic(), p.payload(), Math.min(qos, broker.config().maxQos()), retain);
        Future<Publication> ready = Future.fromCompletionStage(
                        broker.cluster().sessions().recordInboundQos2(clientId, id, fresh.idHigh(), fresh.idLow()), context)
                .compose(earlier -> {
                    Message m = earlier == null ? fresh : new Message(earlier[0], earlier[1], fresh.topic(), fresh.payload(),
                            fresh.qos(), fresh.retain(), fresh.publisherId(), fresh.createdAtMillis(), fresh.properties());
                    return broker.router().accept(m, clientId, earlier != null, context).stored();
                });
        addStep(ready, ACK_PUBREC, id);
    }

    private Publication accept(Packets.Publish p, boolean retain, boolean mayBeDuplicate) {
        Message m = newMessage(p.topic(), p.payload(), Math.min(p.qos(), broker.config().maxQos()), retain);
        return broker.router().accept(m, clientId, mayBeDuplicate, context);
    }

    private Message newMessage(String topic, byte[] payload, int qos, boolean retain) {
        return new Message(broker.messageIds().high(), broker.messageIds().nextLow(), topic, payload, qos, retain,
                clientId, System.currentTimeMillis(), null);
    }

    private void addStep(Future<Publication> ready, int ack, int packetId) {
        if ((pipeline == null || pipeline.isEmpty()) && ready.succeeded()) {
            finish(ready.result(), ack, packetId);
            return;
        }
        if (pipeline == null) {
            pipeline = new ArrayDeque<>(4);
        }
        pipeline.addLast(new Step(ready, ack, packetId));
        if (ready.isComplete()) {
            drainPipeline();
        } else {
            ready.onComplete(ar -> drainPipeline());
        }
    }

    private void drainPipeline() {
        while (!pipeline.isEmpty()) {
            Step s = pipeline.peekFirst();
            if (!s.ready().isComplete()) {
                return;
            }
            pipeline.pollFirst();
            if (s.ready().failed()) {
                log.warn("event=publish_store_failed client_id={} error={}", clientId, oneLine(s.ready().cause()));
                pipeline.clear();
                close(CloseReason.STORE_FAILURE); // not acknowledged: the client sends it again
                return;
            }
            finish(s.ready().result(), s.ack(), s.packetId());
        }
    }

    private void finish(Publication p, int ack, int packetId) {
        if (p != null) {
            p.dispatch();
        }
        if (state != State.CONNECTED) {
            return;
        }
        if (ack == ACK_PUBACK) {
            out.puback(packetId);
        } else if (ack == ACK_PUBREC) {
            out.pubrec(packetId);
        }
    }

    /** PUBREL: release the QoS 2 packet id and answer PUBCOMP, also for an id we do not know [MQTT-4.3.3-2]. */
    public void onPubrel(int packetId) {
        if (state != State.CONNECTED) {
            return;
        }
        if (inboundQos2 != null) {
            inboundQos2.remove(packetId);
        }
        if (!persistent) {
            out.pubcomp(packetId);
            return;
        }
        track(broker.cluster().sessions().forgetInboundQos2(clientId, packetId)).onComplete(ar -> {
            if (state == State.CONNECTED) {
                out.pubcomp(packetId);
            }
        });
    }

    // ---------------------------------------------------------------- acknowledgements from the client

    public void onPuback(int packetId) {
        if (state == State.CONNECTED) {
            if (outbound != null) {
                outbound.onPuback(packetId);
            }
        }
    }

    public void onPubrec(int packetId) {
        if (state == State.CONNECTED) {
            window().onPubrec(packetId);
        }
    }

    public void onPubcomp(int packetId) {
        if (state == State.CONNECTED) {
            if (outbound != null) {
                outbound.onPubcomp(packetId);
            }
        }
    }

    /** The connection can take writes again. */
    public void onWritable() {
        if (state == State.CONNECTED && !restoring) {
            if (outbound != null) {
                outbound.pump();
            }
        }
    }

    // ---------------------------------------------------------------- SUBSCRIBE / UNSUBSCRIBE

    public void onSubscribe(Packets.Subscribe s) {
        if (state != State.CONNECTED) {
            protocolError("SUBSCRIBE before CONNACK");
            return;
        }
        int n = s.requests().size();
        int[] codes = new int[n];
        List<Future<?>> writes = new ArrayList<>();
        Map<String, SubOptions> stored = new LinkedHashMap<>();
        List<Subscription> sendRetained = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Packets.TopicRequest r = s.requests().get(i);
            String filter = r.filter();
            SubOptions requested = r.options();
            int granted = Math.min(requested.qos(), broker.config().maxQos());
            SubOptions options = new SubOptions(granted, requested.noLocal(), requested.retainAsPublished(),
                    requested.retainHandling(), requested.subscriptionId());
            Subscription existing = subscriptions().get(filter);
            if (existing == null && subscriptions().size() >= broker.config().maxSubscriptionsPerClient()) {
                codes[i] = protocolVersion >= 5 ? 0x97 : 0x80; // quota exceeded
                continue;
            }
            Subscription sub = newSubscription(filter, options);
            if (sub == null) {
                codes[i] = protocolVersion >= 5 ? 0x8F : 0x80; // topic filter invalid [MQTT-3.9.3-2]
                continue;
            }
            if (!acl().canSubscribe(sub.topicFilter())) {
                codes[i] = protocolVersion >= 5 ? 0x87 : 0x80; // not authorized
                broker.metrics().subscribeDenied();
                if (log.isDebugEnabled()) {
                    log.debug("event=subscribe_denied client_id={} user={} filter={}", clientId, user, filter);
                }
                continue;
            }
            if (existing != null) {
                broker.router().removeLocal(existing); // replaces it completely [MQTT-3.8.4-3]
            }
            subscriptions().put(filter, sub);
            writes.add(track(broker.router().addLocal(sub, context)));
            if (persistent) {
                stored.put(filter, options);
                if (sub.shareGroup() == null) {
                    if (granted >= 1) {
                        writes.add(track(broker.router().addDurable(clientId, filter, options, context)));
                    } else if (existing != null && existing.options().qos() >= 1) {
                        writes.add(track(broker.router().removeDurable(clientId, filter, context)));
                    }
                }
            }
            codes[i] = granted;
            boolean retainedWanted = protocolVersion < 5 || options.retainHandling() == 0
                    || (options.retainHandling() == 1 && existing == null);
            if (sub.shareGroup() == null && retainedWanted && broker.config().retainAvailable()) {
                sendRetained.add(sub);
            }
        }
        if (persistent && !stored.isEmpty()) {
            writes.add(track(broker.cluster().sessions().updateSubscriptions(clientId, epoch, stored, List.of())));
        }
        int packetId = s.packetId();
        whenStored(writes, () -> {
            out.suback(packetId, codes);
            for (Subscription sub : sendRetained) {
                sendRetained(sub);
            }
        });
    }

    /** Retained messages for a new subscription, with RETAIN=1 [MQTT-3.3.1-6] [MQTT-3.3.1-8]. */
    private void sendRetained(Subscription sub) {
        List<Message> matching = new ArrayList<>();
        long now = System.currentTimeMillis();
        broker.router().retainedFor(sub.topicFilter(), m -> {
            if (!m.isExpired(now)) {
                matching.add(m);
            }
        });
        if (matching.isEmpty()) {
            return;
        }
        int granted = sub.options().qos();
        List<Message> queued = new ArrayList<>();
        for (Message m : matching) {
            int qos = Math.min(m.qos(), granted);
            if (qos == 0) {
                deliverDirect(m, 0, true, null);
            } else if (persistent) {
                queued.add(m);
            } else {
                deliverDirect(m, qos, true, null);
            }
        }
        if (!queued.isEmpty()) {
            track(broker.router().queueFor(clientId, queued, granted, context));
        }
    }

    public void onUnsubscribe(Packets.Unsubscribe u) {
        if (state != State.CONNECTED) {
            protocolError("UNSUBSCRIBE before CONNACK");
            return;
        }
        List<Subscription> removed = new ArrayList<>();
        for (String filter : u.filters()) {
            Subscription existing = subscriptions().remove(filter);
            if (existing != null) {
                broker.router().removeLocal(existing);
                removed.add(existing);
            }
        }
        List<Future<?>> writes = forgetStored(removed, null);
        int packetId = u.packetId();
        int count = u.filters().size();
        whenStored(writes, () -> out.unsuback(packetId, count));
    }

    /**
     * Removes subscriptions (already out of the local tables) from the stored session and the durable routes.
     *
     * @param revoked why the ACL took them away, for the log; null for an UNSUBSCRIBE
     */
    private List<Future<?>> forgetStored(List<Subscription> subs, String revoked) {
        List<Future<?>> writes = new ArrayList<>();
        if (revoked != null && !subs.isEmpty()) {
            broker.metrics().subscriptionsRevoked(subs.size());
            log.info("event=subscriptions_revoked client_id={} user={} reason={} filters={}", clientId, user, revoked,
                    subs.stream().map(Subscription::filter).toList());
        }
        if (!persistent || subs.isEmpty()) {
            return writes;
        }
        List<String> filters = new ArrayList<>(subs.size());
        for (Subscription sub : subs) {
            filters.add(sub.filter());
            if (sub.shareGroup() == null && sub.options().qos() >= 1) {
                writes.add(track(broker.router().removeDurable(clientId, sub.filter(), context)));
            }
        }
        writes.add(track(broker.cluster().sessions().updateSubscriptions(clientId, epoch, Map.of(), filters)));
        return writes;
    }

    /**
     * After the rules were reloaded: drops the subscriptions they no longer allow (the client is not told:
     * MQTT 3.1.1 has no way to). Any thread; runs on this connection's context.
     */
    public void recheckAcl() {
        context.runOnContext(v -> {
            if (state != State.CONNECTED || subscriptions == null || subscriptions.isEmpty()) {
                return;
            }
            List<Subscription> denied = new ArrayList<>();
            for (Subscription sub : subscriptions.values()) {
                if (!acl().canSubscribe(sub.topicFilter())) {
                    denied.add(sub);
                }
            }
            for (Subscription sub : denied) {
                subscriptions.remove(sub.filter());
                broker.router().removeLocal(sub);
            }
            forgetStored(denied, "rules_reloaded");
        });
    }

    private Subscription newSubscription(String filter, SubOptions options) {
        if (SharedSubscription.isShared(filter)) {
            try {
                SharedSubscription shared = SharedSubscription.parse(filter, broker.topicLimits());
                return new Subscription(this, filter, shared.filter(), options, shared.group());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        if (Topics.checkFilter(filter, broker.topicLimits()) != null) {
            return null;
        }
        return new Subscription(this, filter, filter, options, null);
    }

    private void whenStored(List<Future<?>> writes, Runnable then) {
        if (writes.isEmpty()) {
            then.run();
            return;
        }
        Future.all(writes).onComplete(ar -> {
            if (state != State.CONNECTED) {
                return;
            }
            if (ar.failed()) {
                log.warn("event=subscription_store_failed client_id={} error={}", clientId, oneLine(ar.cause()));
                close(CloseReason.STORE_FAILURE);
                return;
            }
            then.run();
        });
    }

    // ---------------------------------------------------------------- delivery to this client

    /**
     * A message for this client that needs no stored copy (clean session, or QoS 0). QoS 0 is written if
     * the socket takes it and dropped (counted) if not; QoS 1/2 waits in the window.
     */
    public void deliverDirect(Message message, int qos, boolean retainFlag, String shareKey) {
        if (state != State.CONNECTED) {
            if (shareKey != null && qos > 0) {
                broker.router().redispatchShared(message, qos, shareKey, clientId);
            }
            return;
        }
        if (qos == 0) {
            if (out.writable()) {
                out.publish(0, message, 0, false, retainFlag);
                broker.metrics().delivered(0, message.createdAtMillis());
            } else {
                broker.metrics().dropped(DropReason.SLOW_CONSUMER);
            }
            return;
        }
        window().enqueue(new Outgoing(message, qos, -1, retainFlag, shareKey, false));
    }

    /** A message stored in this persistent session's queue, for the connection of {@code noticeEpoch}. */
    public void deliverQueued(long noticeEpoch, QueuedMessage q) {
        if (state == State.CONNECTING || (state == State.CONNECTED && restoring)) {
            if (deferred == null) {
                deferred = new ArrayList<>();
            }
            deferred.add(new Object[]{noticeEpoch, q});
            return;
        }
        if (state != State.CONNECTED || noticeEpoch != epoch) {
            return; // for another connection of this client: it is in the queue that connection reads
        }
        window().enqueue(new Outgoing(q.message(), q.qos(), q.seq(), q.retainFlag(), q.shareGroup(), false));
    }

    // Outbound.Sink

    @Override
    public boolean writable() {
        return out.writable();
    }

    @Override
    public void sendPublish(int packetId, Outgoing o, boolean dup) {
        out.publish(packetId, o.message(), o.qos(), dup, o.retainFlag());
        broker.metrics().delivered(o.qos(), dup ? 0 : o.message().createdAtMillis());
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
            acks = java.util.Arrays.copyOf(acks, acks.length * 2);
        }
        acks[ackCount++] = seq;
    }

    private void flushAcks() {
        if (ackCount == 0) {
            return;
        }
        long[] seqs = java.util.Arrays.copyOf(acks, ackCount);
        ackCount = 0;
        track(broker.cluster().sessions().ack(clientId, seqs));
    }

    @Override
    public void durablePubrecThenPubrel(long seq, int packetId) {
        // PUBREL goes out in the order the PUBRECs came in [MQTT-4.6.0-4], each after its mark is stored;
        // store answers may complete out of order, so they wait in line
        Future<Object> marked = track(broker.cluster().sessions().markPubrel(clientId, seq));
        if (pubrels == null) {
            pubrels = new ArrayDeque<>(4);
        }
        pubrels.addLast(new PendingPubrel(marked, packetId));
        marked.onComplete(ar -> drainPubrels());
    }

    private void drainPubrels() {
        while (!pubrels.isEmpty() && pubrels.peekFirst().marked().isComplete()) {
            PendingPubrel p = pubrels.pollFirst();
            if (state == State.CONNECTED && p.marked().succeeded()) {
                out.pubrel(p.packetId());
            }
        }
    }

    @Override
    public void dropped(Outgoing message) {
        broker.metrics().dropped(DropReason.QUEUE_FULL);
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
            broker.sessions().disconnected(this, reason.publishesWill() && !disconnectReceived, hasSharedSubscriptions())
                    .onFailure(err -> log.warn("event=session_release_failed client_id={} error={}", clientId, oneLine(err)))
                    .onComplete(ar -> ended().tryComplete());
        } else {
            ended().tryComplete();
        }
        // CONNECTING: the claim's continuation sees CLOSED and gives the session back
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
                broker.sessions().forget(this);
                done.complete();
                return;
            }
            closeReason = CloseReason.TAKEN_OVER;
            broker.metrics().takeover();
            state = State.CLOSED;
            releaseLocalState();
            flushAcks();
            broker.sessions().forget(this);
            out.close(CloseReason.TAKEN_OVER);
            storeOpsDrained().onComplete(ar -> done.complete());
        });
        return done.future();
    }

    private void releaseLocalState() {
        if (subscriptions != null) {
            for (Subscription sub : subscriptions.values()) {
                broker.router().removeLocal(sub);
            }
        }
        if (outbound != null) {
            for (Outgoing o : outbound.abandon()) {
                if (o.shareGroup() != null && !o.durable()) {
                    broker.router().redispatchShared(o.message(), o.qos(), o.shareGroup(), clientId);
                }
            }
        }
    }

    private boolean hasSharedSubscriptions() {
        if (subscriptions != null) {
            for (Subscription s : subscriptions.values()) {
                if (s.shareGroup() != null) {
                    return true;
                }
            }
        }
        return false;
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

    private void protocolError(String detail) {
        log.info("event=protocol_error client_id={} remote={} detail=\"{}\"", clientId, out.remoteAddress(), detail);
        if (state == State.CONNECTING || state == State.NEW) {
            closeReason = CloseReason.PROTOCOL_ERROR;
            state = State.CLOSED;
            out.close(CloseReason.PROTOCOL_ERROR);
            return;
        }
        close(CloseReason.PROTOCOL_ERROR);
    }

    public CloseReason closeReason() {
        return closeReason;
    }

    // ---------------------------------------------------------------- store operations

    private <T> Future<T> track(java.util.concurrent.CompletionStage<T> stage) {
        return track(Future.fromCompletionStage(stage, context));
    }

    private <T> Future<T> track(Future<T> f) {
        storeOpsInFlight++;
        f.onComplete(ar -> {
            if (ar.failed()) {
                log.warn("event=store_operation_failed client_id={} error={}", clientId, oneLine(ar.cause()));
            }
            if (--storeOpsInFlight == 0 && storeOpsDrained != null) {
                Promise<Void> p = storeOpsDrained;
                storeOpsDrained = null;
                p.complete();
            }
        });
        return f;
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

    /** For tests and diagnostics. */
    /** The in-flight window, created with the first QoS 1/2 message (idle devices never need one). */
    private Outbound window() {
        if (outbound == null) {
            outbound = new Outbound(this, window, broker.config().maxQueuedMessages(), broker.config().dropOldest());
        }
        return outbound;
    }

    /** The in-flight window, or null while no QoS 1/2 message went to this client. */
    public Outbound outbound() {
        return outbound;
    }

    /** For tests: subscriptions by filter. */
    public Map<String, SubOptions> subscriptionOptions() {
        Map<String, SubOptions> m = new HashMap<>();
        if (subscriptions != null) {
            subscriptions.forEach((f, s) -> m.put(f, s.options()));
        }
        return m;
    }
}
