package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.auth.Security;
import io.mqttcluster.broker.mqtt.Refusal;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.ClaimResult;
import io.mqttcluster.cluster.session.SessionRecord;
import io.mqttcluster.cluster.topic.Topics;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * One connection's CONNECT, from the packet to the resumed session: the checks (protocol level, admission,
 * client id, will topic), authentication and the will's ACL, the session expiry and in-flight window the client
 * gets, the cluster-wide claim of the client id (which closes an older connection with the same id, without its
 * will), CONNACK with session present, and then the resumed session's subscriptions and queue. The connection
 * ({@link ClientProtocol}) keeps the state; this decides the steps. On the connection's event loop only.
 */
final class ConnectHandshake {

    private static final Logger log = LoggerFactory.getLogger(ConnectHandshake.class);
    /** A CONNECT slower than this to its CONNACK is logged, with where the time went. */
    private static final long SLOW_CONNECT_NANOS = 1_000_000_000L;

    private final ClientProtocol ch;
    private final ProtocolServices services;
    private long startNanos;
    private long claimMillis;
    private long takeoverMillis;
    /** MQTT 5: the keepalive imposed on the client (Server Keep Alive), or -1. */
    private int serverKeepAlive = -1;
    /** MQTT 5: the session expiry granted when it differs from the one asked for, or -1. */
    private long grantedExpiry = -1;
    /** MQTT 5: the final data of an enhanced authentication, for the CONNACK; or null. */
    private byte[] authData;

    ConnectHandshake(ClientProtocol ch) {
        this.ch = ch;
        this.services = ch.services();
    }

    /** Where the claim's time went (set by the session manager before the claim completes): for slow_connect. */
    void timings(long claimMillis, long takeoverMillis) {
        this.claimMillis = claimMillis;
        this.takeoverMillis = takeoverMillis;
    }

    /** The first CONNECT of the connection (the connection is CONNECTING now). */
    void start(Packets.Connect c) {
        startNanos = System.nanoTime();
        int protocolVersion = c.protocolVersion();
        if (protocolVersion < 3 || protocolVersion > 5) {
            ch.refuse(Refusal.UNSUPPORTED_PROTOCOL, "protocol level " + protocolVersion); // [MQTT-3.1.2-2]
            return;
        }
        if (!services.admission().accepting()) {
            ch.refuse(Refusal.SERVER_UNAVAILABLE, services.admission().notAcceptingReason());
            return;
        }
        if (services.metrics().connections() > services.config().maxConnections()) {
            ch.refuse(Refusal.SERVER_UNAVAILABLE, "max connections");
            return;
        }
        String id = c.clientId() == null ? "" : c.clientId();
        boolean assigned = false;
        if (id.isEmpty()) {
            if (!c.cleanStart() && protocolVersion < 5) {
                ch.refuse(Refusal.CLIENT_ID_REJECTED, "empty client id with clean session 0"); // [MQTT-3.1.3-8]
                return;
            }
            id = "auto-" + UUID.randomUUID(); // [MQTT-3.1.3-6]
            assigned = true;
        }
        if (!assigned && id.length() > services.config().maxClientIdLength()) {
            ch.refuse(Refusal.CLIENT_ID_REJECTED, "client id longer than " + services.config().maxClientIdLength());
            return;
        }
        ch.identify(id);
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
                    ch.refuse(Refusal.TOPIC_NAME_INVALID, "will topic: " + problem);
                } else {
                    ch.protocolError("will topic: " + problem);
                }
                return;
            }
            if (protocolVersion >= 5 && w.qos() > services.config().maxQos()) {
                ch.refuse(Refusal.QOS_NOT_SUPPORTED, "will QoS " + w.qos() + " above the Maximum QoS"); // [MQTT-3.2.2-12]
                return;
            }
            if (protocolVersion >= 5 && w.retain() && !services.config().retainAvailable()) {
                ch.refuse(Refusal.RETAIN_NOT_SUPPORTED, "will with RETAIN while retained messages are off"); // [MQTT-3.2.2-13]
                return;
            }
            will = ch.newMessage(w.topic(), w.payload(), Math.min(w.qos(), services.config().maxQos()), w.retain(), w.properties());
            willDelay = w.delaySeconds();
        }
        Message connectWill = will;
        int connectWillDelay = willDelay;
        boolean assignedId = assigned;
        String method = c.v5().authenticationMethod();
        if (method != null) {
            // enhanced authentication: an AUTH exchange decides, not the CONNECT's password (MQTT 5.0 section 4.12)
            boolean offered = ch.auth().start(method, c.v5().authenticationData(), step -> {
                authData = step.data();
                Future<Security.Verdict> judged = Future.succeededFuture(step.isSuccess()
                        ? new Security.Verdict(null, step.user())
                        : new Security.Verdict(Refusal.forV5Code(step.reasonCode()), null));
                authenticated(c, judged, connectWill, connectWillDelay, assignedId);
            });
            if (!offered) {
                ch.refuse(Refusal.BAD_AUTHENTICATION_METHOD, "authentication method " + quote(method) + " not offered");
            }
            return;
        }
        Future<Security.Verdict> verdict = services.security().authenticate(c.username(), c.password(), ch.out().certificateName());
        if (verdict.isComplete()) {
            authenticated(c, verdict, connectWill, connectWillDelay, assignedId);
        } else {
            verdict.onComplete(ar -> ch.context().runOnContext(v -> authenticated(c, verdict, connectWill, connectWillDelay, assignedId)));
        }
    }

    /** After the credentials were judged: refuse, or check the will against the ACL and claim the session. */
    private void authenticated(Packets.Connect c, Future<Security.Verdict> verdict, Message will, int willDelay,
                               boolean assignedId) {
        if (!ch.isConnecting()) {
            return; // the socket went away meanwhile
        }
        if (verdict.failed()) {
            log.warn("event=authentication_failed client_id={} error={}", ch.clientId(), StoreOps.oneLine(verdict.cause()));
            ch.refuse(Refusal.SERVER_UNAVAILABLE, "authentication error");
            return;
        }
        Security.Verdict v = verdict.result();
        if (!v.accepted()) {
            services.metrics().authFailure(v.refusal());
            ch.refuse(v.refusal(), v.refusal() == Refusal.SERVER_BUSY ? "too many password checks waiting"
                    : c.username() == null ? "no user name" : "user " + quote(c.username()));
            return;
        }
        ch.authenticatedAs(v.user());
        if (will != null && !ch.access().mayPublish(will.topic())) {
            ch.refuse(Refusal.NOT_AUTHORIZED, "will topic not allowed: " + will.topic());
            return;
        }
        long expiry;
        if (c.protocolVersion() >= 5 && c.sessionExpirySeconds() >= 0) {
            expiry = Math.min(c.sessionExpirySeconds() == 0xFFFFFFFFL ? SessionRecord.NEVER : c.sessionExpirySeconds(),
                    services.config().sessionExpirySeconds());
            if (expiry != c.sessionExpirySeconds() && !(expiry == SessionRecord.NEVER && c.sessionExpirySeconds() == 0xFFFFFFFFL)) {
                grantedExpiry = expiry == SessionRecord.NEVER ? 0xFFFFFFFFL : expiry; // the client learns what it got (MQTT 5.0 section 3.2.2.3.2)
            }
        } else {
            expiry = c.cleanStart() ? 0 : services.config().sessionExpirySeconds();
        }
        int maxKeepAlive = services.config().maxKeepAliveSeconds();
        if (c.protocolVersion() >= 5 && maxKeepAlive > 0 && (c.keepAliveSeconds() == 0 || c.keepAliveSeconds() > maxKeepAlive)) {
            serverKeepAlive = maxKeepAlive; // Server Keep Alive [MQTT-3.2.2-21]
        }
        ch.keepAlive(serverKeepAlive >= 0 ? serverKeepAlive : c.keepAliveSeconds());
        ch.claiming(expiry, Math.min(services.config().maxInflight(), c.receiveMaximum() > 0 ? c.receiveMaximum() : 65_535));
        services.sessions().connect(ch, c.cleanStart(), expiry, will, willDelay)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        log.warn("event=connect_failed client_id={} remote={} error={}", ch.clientId(), ch.remoteAddress(),
                                StoreOps.oneLine(ar.cause()));
                        if (!ch.isClosed()) {
                            ch.refuse(Refusal.SERVER_UNAVAILABLE, "session store unavailable");
                        }
                        return;
                    }
                    claimed(ar.result(), assignedId);
                });
    }

    /** The client id is this connection's now: CONNACK, then the resumed session. */
    private void claimed(ClaimResult claim, boolean assignedId) {
        if (claim.endedWill() != null) {
            // the session this claim ended owed a delayed will: its session is over now [MQTT-3.1.3-9]
            services.router().publishWill(claim.endedWill(), ch.context());
        }
        if (!ch.attach(claim)) {
            return; // closed meanwhile, or taken over by a newer claim right after this one
        }
        ch.out().connackAccepted(new ProtocolOutput.Accepted(claim.sessionPresent(), assignedId ? ch.clientId() : null,
                serverKeepAlive, grantedExpiry, ch.auth().methodName(), authData));
        long tookNanos = System.nanoTime() - startNanos;
        services.metrics().connectLatency(tookNanos);
        if (tookNanos > SLOW_CONNECT_NANOS) {
            log.info("event=slow_connect client_id={} took_ms={} claim_ms={} takeover_ms={} session_present={}", ch.clientId(),
                    tookNanos / 1_000_000, claimMillis, takeoverMillis, claim.sessionPresent());
        }
        log.debug("event=connected client_id={} remote={} persistent={} session_present={} epoch={}", ch.clientId(),
                ch.remoteAddress(), ch.persistent(), claim.sessionPresent(), ch.epoch());
        ch.resume(claim);
    }

    private static String quote(String s) {
        return "'" + s.replace("\n", " ") + "'";
    }
}
