package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.mqtt.ReasonCode;

import io.mqttcluster.broker.mqtt.Refusal;
import io.mqttcluster.broker.session.LocalClient;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.message.MessageProperties;
import io.mqttcluster.cluster.session.ClaimResult;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.mqttcluster.cluster.session.SubOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The MQTT protocol for one connection: a packet in, actions out. It decides every reply and keeps the
 * session's state while the client is connected; the socket is behind {@link ProtocolOutput}, so every rule
 * runs without one. The work is split by concern: CONNECT up to the resumed session in {@link ConnectHandshake};
 * PUBLISH and PUBREL from the client in {@link InboundPublishes}; SUBSCRIBE and UNSUBSCRIBE in
 * {@link SubscribeRequests}; messages to the client in {@link Delivery} (its in-flight window {@link Outbound}, its
 * stored queue {@link QueuedDelivery}); store operations in {@link StoreOps}; what the ACL allows this client in
 * {@link ClientAccess}; MQTT 5 enhanced authentication in {@link AuthFlow}. This class holds the connection's
 * state, takes the packets in, and ends the connection: will on an abnormal end, session released or kept,
 * takeover by another connection with the same client id.
 *
 * <p>Thread: every method runs on the connection's event loop ({@link #context()}); other threads call in
 * through that context.
 */
public final class ClientProtocol implements LocalClient {

    private static final Logger log = LoggerFactory.getLogger(ClientProtocol.class);

    enum State { NEW, CONNECTING, CONNECTED, CLOSED }

    private final ProtocolServices services;
    private final ProtocolOutput out;
    private final ContextInternal context;
    private final InboundPublishes inbound = new InboundPublishes(this);
    private final SubscribeRequests subscribe = new SubscribeRequests(this);
    private final StoreOps ops = new StoreOps(this);
    private final ConnectHandshake handshake;
    private final AuthFlow auth = new AuthFlow(this);
    private final ClientAccess access = new ClientAccess(this);
    private final Delivery delivery;

    private State state = State.NEW;
    // read by other event loops (the router, the session registry): volatile
    private volatile String clientId;
    private volatile int protocolVersion = 4;
    private volatile boolean persistent;
    private volatile long epoch;
    private long sessionUid;
    private boolean disconnectReceived;
    /** MQTT 5: the client's DISCONNECT asked for its will (0x04). */
    private boolean willOnDisconnect;
    /** MQTT 5: the session expiry interval the client's DISCONNECT set, -1 when it set none. */
    private long expiryOnDisconnect = -1;
    private boolean restoring;
    private CloseReason closeReason;
    /** The user name the rules know this client by (CONNECT's, or its certificate's CN); null: anonymous. */
    private volatile String user;
    /** The keep alive in force (the client's, or the server's when it set one), for the admin API. */
    private volatile int keepAliveSeconds;
    /** A takeover asked for while this connection was still claiming (epoch taken over); 0 when none. */
    private long kickedEpoch;

    // allocated on first use: most connections of a fleet are idle devices that never need them
    /** What this connection knew of its shared-group copies when it ended (set by releaseLocalState). */
    private io.mqttcluster.cluster.session.SharedHandover handover;
    private Promise<Void> ended;

    public ClientProtocol(ProtocolServices services, ProtocolOutput out, ContextInternal context) {
        this.services = services;
        this.out = out;
        this.context = context;
        this.handshake = new ConnectHandshake(this);
        this.delivery = new Delivery(this);
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

    @Override
    public int keepAliveSeconds() {
        return keepAliveSeconds;
    }

    void keepAlive(int seconds) {
        keepAliveSeconds = seconds;
    }

    public boolean isConnected() {
        return state == State.CONNECTED;
    }

    /** CONNECT received, session not yet claimed (no CONNACK sent yet). */
    public boolean isConnecting() {
        return state == State.CONNECTING;
    }

    boolean isClosed() {
        return state == State.CLOSED;
    }

    /** The client's address as the connection sees it (the real one behind a PROXY-protocol gateway). */
    public String remoteAddress() {
        return out.remoteAddress();
    }

    public CloseReason closeReason() {
        return closeReason;
    }

    ProtocolServices services() {
        return services;
    }

    ProtocolOutput out() {
        return out;
    }

    boolean restoring() {
        return restoring;
    }

    // ---------------------------------------------------------------- CONNECT ({@link ConnectHandshake})

    @Override
    public void connectTimings(long claimMillis, long takeoverMillis) {
        handshake.timings(claimMillis, takeoverMillis);
    }

    /** CONNECT; called again (with anything) for a second CONNECT on the connection, which is an error. */
    public void onConnect(Packets.Connect c) {
        if (state != State.NEW || c == null) {
            protocolError("second CONNECT"); // [MQTT-3.1.0-2]
            return;
        }
        protocolVersion = c.protocolVersion();
        state = State.CONNECTING;
        handshake.start(c);
    }

    void identify(String id) {
        clientId = id;
    }

    void authenticatedAs(String name) {
        user = name;
    }

    /** The session is being claimed: a stored session or not, and how many messages may be in flight to the client. */
    void claiming(long expirySeconds, int inflightWindow) {
        persistent = expirySeconds > 0;
        delivery.window(inflightWindow);
        restoring = true;
    }

    /**
     * The claim returned: the connection takes its epoch. False when it cannot go on: the socket went away
     * meanwhile (the session is given back, no will), or a newer connection on another node claimed the id right
     * after this one.
     */
    boolean attach(ClaimResult claim) {
        epoch = claim.epoch();
        sessionUid = claim.sessionUid();
        if (state == State.CLOSED) {
            services.sessions().disconnected(this, false, null).onComplete(ar -> ended().tryComplete());
            return false;
        }
        if (kickedEpoch >= epoch) {
            closeReason = CloseReason.TAKEN_OVER;
            state = State.CLOSED;
            services.metrics().takeover();
            services.sessions().forget(this);
            out.close(CloseReason.TAKEN_OVER);
            return false;
        }
        state = State.CONNECTED;
        services.metrics().connect("accepted");
        return true;
    }

    /** After CONNACK: the session's subscriptions and stored queue when it was resumed, then what waited meanwhile. */
    void resume(ClaimResult claim) {
        subscribe.discard(claim.discardedSubscriptions(), claim.discardedSessionUid());
        if (claim.sessionPresent()) {
            subscribe.resume(claim.subscriptions());
            delivery.restoreQueue(claim.nextSeq()).onSuccess(v -> {
                if (state == State.CONNECTED) {
                    endRestoring();
                }
            });
        } else {
            if (persistent) {
                delivery.startQueue(claim.nextSeq());
            }
            endRestoring();
        }
    }

    private void endRestoring() {
        restoring = false;
        delivery.restored();
    }

    /** What this client may publish and receive. */
    ClientAccess access() {
        return access;
    }

    void refuse(Refusal refusal, String why) {
        services.metrics().connect("refused");
        log.info("event=connect_refused client_id={} remote={} reason={} detail=\"{}\"", clientId, out.remoteAddress(),
                refusal.name().toLowerCase(java.util.Locale.ROOT), why);
        closeReason = CloseReason.CONNECT_REFUSED;
        state = State.CLOSED;
        // MQTT 5: the Reason String says why; credentials and the ACL get no more than their code
        out.connackRefused(refusal, refusal == Refusal.BAD_CREDENTIALS || refusal == Refusal.NOT_AUTHORIZED ? null : why);
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
                access.rulesChanged();
                subscribe.recheckAcl();
            }
        });
    }

    public void onPuback(int packetId) {
        if (state == State.CONNECTED) {
            delivery.onPuback(packetId);
        }
    }

    public void onPubrec(int packetId) {
        if (state == State.CONNECTED) {
            delivery.onPubrec(packetId);
        }
    }

    public void onPubcomp(int packetId) {
        if (state == State.CONNECTED) {
            delivery.onPubcomp(packetId);
        }
    }

    /** The connection can take writes again. */
    public void onWritable() {
        if (state == State.CONNECTED && !restoring) {
            delivery.pump();
        }
    }

    Message newMessage(String topic, byte[] payload, int qos, boolean retain, MessageProperties properties) {
        return new Message(services.messageIds().high(), services.messageIds().nextLow(), topic, payload, qos, retain,
                clientId, System.currentTimeMillis(), properties);
    }

    // ---------------------------------------------------------------- delivery to this client ({@link Delivery})

    @Override
    public void deliverDirect(Message message, int qos, boolean retainFlag, String shareKey, int[] subscriptionIds) {
        if (state == State.CONNECTED) {
            if (shareKey != null && subscriptionIds == null) {
                SubOptions o = subscription(shareKey); // the member's own identifier for its shared subscription
                subscriptionIds = o == null || o.subscriptionId() == 0 ? null : new int[]{o.subscriptionId()};
            }
            delivery.direct(message, qos, retainFlag, shareKey, subscriptionIds);
        } else if (shareKey != null && qos > 0) {
            services.router().redispatchShared(message, qos, shareKey, clientId, context);
        }
    }

    @Override
    public void deliverQueued(long noticeEpoch, QueuedMessage q) {
        delivery.queued(noticeEpoch, q);
    }

    /** The in-flight window, or null while no QoS 1/2 message went to this client. */
    public Outbound outbound() {
        return delivery.outbound();
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

    /** AUTH from the client: the CONNECT's enhanced authentication, or a re-authentication (MQTT 5). */
    public void onAuth(Packets.Auth a) {
        if (state == State.CLOSED) {
            return;
        }
        auth.onAuth(a);
    }

    AuthFlow auth() {
        return auth;
    }

    void logReauthFailed(String reason) {
        log.info("event=reauthentication_failed client_id={} user={} reason=\"{}\"", clientId, user, reason);
    }

    /**
     * The client sent DISCONNECT: the will is discarded [MQTT-3.14.4-3], unless an MQTT 5 client asks for it with
     * 0x04 (disconnect with will message).
     */
    public void onDisconnect(Packets.Disconnect d) {
        disconnectReceived = true;
        willOnDisconnect = d.reasonCode() == ReasonCode.DISCONNECT_WITH_WILL;
        if (d.sessionExpirySeconds() >= 0) {
            if (!persistent && d.sessionExpirySeconds() > 0) {
                // a session that was not kept cannot be made one now [MQTT-3.14.2-2]: the will applies
                disconnectReceived = false;
                protocolError("DISCONNECT sets a session expiry on a session that had none");
                return;
            }
            // capped like the CONNECT's (0xFFFFFFFF, never, stays itself below an unlimited cap)
            expiryOnDisconnect = Math.min(d.sessionExpirySeconds(), services.config().sessionExpirySeconds());
        }
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
        inbound.releaseAll();
        if (was == State.CONNECTED) {
            delivery.flushAcks();
            log.debug("event=disconnected client_id={} remote={} reason={}", clientId, out.remoteAddress(), reason.label());
            services.sessions().disconnected(this, reason.publishesWill() && !disconnectReceived || willOnDisconnect, handover,
                            expiryOnDisconnect)
                    .onFailure(err -> log.warn("event=session_release_failed client_id={} error={}", clientId, StoreOps.oneLine(err)))
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
            delivery.flushAcks();
            services.sessions().forget(this);
            out.close(CloseReason.TAKEN_OVER);
            ops.drained().onComplete(ar -> done.complete());
        });
        return done.future();
    }

    /**
     * An operator closes the connection ({@link CloseReason#ADMIN_KICK}, or {@link CloseReason#SESSION_DELETED}
     * before the session is deleted). Completes with true once its session is released, false when it was not
     * connected.
     */
    public Future<Boolean> closeByOperator(CloseReason reason) {
        Promise<Boolean> done = context.promise();
        context.execute(() -> {
            if (state == State.CONNECTED) {
                ended().future().onComplete(ar -> done.complete(true));
                close(reason);
            } else {
                done.complete(false);
            }
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
        boolean shared = subscribe.hasShared();
        subscribe.releaseLocal();
        handover = delivery.release(shared && persistent);
    }

    /** Closes the connection (protocol error, store failure, shutdown); the will is published where due. */
    public void close(CloseReason reason) {
        close(reason, reason.v5Code());
    }

    /** {@link #close(CloseReason)} with a more precise MQTT 5 reason code for the DISCONNECT (e.g. 0x93, 0x94). */
    public void close(CloseReason reason, int reasonCode) {
        if (state == State.CLOSED) {
            return;
        }
        closeReason = reason;
        out.close(reason, reasonCode);
        onClosed();
    }

    void protocolError(String detail) {
        protocolError(detail, ReasonCode.PROTOCOL_ERROR);
    }

    /** A broken rule: the connection closes, an MQTT 5 client first gets a DISCONNECT with {@code reasonCode}. */
    void protocolError(String detail, int reasonCode) {
        log.info("event=protocol_error client_id={} remote={} detail=\"{}\"", clientId, out.remoteAddress(), detail);
        if (state == State.CONNECTING || state == State.NEW) {
            closeReason = CloseReason.PROTOCOL_ERROR;
            state = State.CLOSED;
            out.close(CloseReason.PROTOCOL_ERROR, reasonCode);
            return;
        }
        close(CloseReason.PROTOCOL_ERROR, reasonCode);
    }

    /** A store write the protocol depends on failed: close without acknowledging (the client sends again). */
    void storeFailed(String what, Throwable cause) {
        if (state != State.CONNECTED) {
            return;
        }
        log.warn("event=store_failed client_id={} operation={} error={}", clientId, what, StoreOps.oneLine(cause));
        close(CloseReason.STORE_FAILURE);
    }

    private Promise<Void> ended() {
        if (ended == null) {
            ended = context.promise();
        }
        return ended;
    }

    // ---------------------------------------------------------------- store operations ({@link StoreOps})

    /** The store calls of this connection: tracked (a close waits for them) and retried. */
    StoreOps ops() {
        return ops;
    }
}
