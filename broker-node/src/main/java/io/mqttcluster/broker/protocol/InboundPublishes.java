package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.mqtt.Utf8;

import io.mqttcluster.broker.mqtt.ReasonCode;

import io.mqttcluster.broker.metrics.BrokerMetrics.DropReason;
import io.mqttcluster.broker.cluster.Confirmation;
import io.mqttcluster.broker.pubsub.Publication;
import io.mqttcluster.broker.pubsub.Router;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.Qos2Receive;
import io.mqttcluster.cluster.topic.Topics;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The PUBLISH and PUBREL packets one client sends: each message is routed, and acknowledged only once it is
 * safe, in the order the client sent them [MQTT-4.6.0-2] [MQTT-4.6.0-3].
 *
 * <p><b>What an acknowledgement means.</b> PUBACK (QoS 1) and PUBREC (QoS 2) go out when the message is
 * stored for every persistent session it matches (with synchronous backups), and every other node with a
 * matching subscriber has received it ({@link io.mqttcluster.broker.pubsub.Dispatcher#dispatch}). Until
 * then the client keeps the message and sends it again after a reconnect; a failure on the way closes the
 * connection without an acknowledgement, for the same reason.
 *
 * <p><b>The pipeline.</b> Each message passes two stages, in order: <i>stored</i> (the routing decision and
 * the store writes, which may complete out of order), then <i>confirmed</i> (dispatched, in order, and
 * received by the other nodes). Acknowledgements leave in packet order as the head of the line is confirmed;
 * only the head asks whether it is ({@link Confirmation}), so one acknowledgement from another node lets a run
 * of messages through with one wait set up, not one per message.
 *
 * <p><b>QoS 2 receive state</b> [MQTT-4.3.3-2]. Per packet id: for a persistent session it lives in the
 * session record ({@link Qos2Receive}), so it survives a reconnect to any node and the node's death: the id
 * is <i>recorded</i> with a message id before the message goes anywhere, and marked <i>routed</i> before
 * PUBREC. A re-send (DUP=1) of a routed id gets PUBREC and nothing else; of a recorded one (a crash
 * interrupted its routing), it is routed again under the first id, and every receiver recognises the copy
 * it has. A clean session's state lives here only (it ends with the connection). PUBCOMP goes out once the
 * release of the id is stored, so a new message under the same id is never taken for a re-send.
 *
 * <p><b>Bounded.</b> The bytes of the messages in the pipeline are counted per connection and node-wide
 * ({@link InboundBudget}); past {@code mqtt.max-inbound-pending-bytes} for this client, or the node's total, the
 * connection stops reading from the client until it is back under half of it, so a client that publishes faster
 * than the store takes it waits in its own socket buffer instead of in the node's heap. A store round starts only
 * while the node's rounds under way (counted with a copy per persistent-session queue) are under the bound.
 *
 * <p>Owned by the connection's event loop.
 */
final class InboundPublishes {

    private static final int ACK_NONE = 0;
    private static final int ACK_PUBACK = 1;
    private static final int ACK_PUBREC = 2;

    /** One publish on its way: stored, then confirmed, then acknowledged. */
    private static final class Step {
        final Future<Publication> stored;
        final int ack;
        final int packetId;
        /** A persistent session's QoS 2 message that this step routes: mark it routed before PUBREC. */
        final boolean markRouted;
        /** What the message holds of the heap, counted in {@link #pendingBytes} until the step is acknowledged. */
        long bytes;
        /** MQTT 5 reason code of the acknowledgement when decided before routing (0x87, 0x99); 0: decided at the end. */
        final int reason;
        Confirmation confirmation;
        /** What {@link #confirmation} said when asked (at the head of the line); null before. */
        private Future<?> confirmed;
        private boolean listening;

        Step(Future<Publication> stored, int ack, int packetId, boolean markRouted) {
            this(stored, ack, packetId, markRouted, 0);
        }

        Step(Future<Publication> stored, int ack, int packetId, boolean markRouted, int reason) {
            this.reason = reason;
            this.stored = stored;
            this.ack = ack;
            this.packetId = packetId;
            this.markRouted = markRouted;
        }

        /** Asks the confirmation, once: only the head of the line asks, so most steps never wait for anything. */
        Future<?> confirmed() {
            if (confirmed == null) {
                confirmed = confirmation.await();
            }
            return confirmed;
        }
    }

    private final ClientProtocol channel;
    private ArrayDeque<Step> storing;
    private ArrayDeque<Step> confirming;
    /** QoS 2 packet ids received on this connection and not released: completes once PUBREC went out. */
    private Map<Integer, Promise<Void>> qos2;
    /** Bytes of the routed messages not yet acknowledged (or, for QoS 0, not yet dispatched). */
    private long pendingBytes;
    private boolean readingPaused;
    /** Per-message bookkeeping on top of topic and payload, roughly: the message, the step, the futures. */
    private static final int MESSAGE_OVERHEAD = 256;

    InboundPublishes(ClientProtocol channel) {
        this.channel = channel;
    }

    void onPublish(Packets.Publish p) {
        ProtocolServices s = channel.services();
        s.metrics().received(p.qos());
        if (channel.protocolVersion() >= 5) {
            // what the CONNACK said is not available is a protocol error for an MQTT 5 client [MQTT-3.2.2-11] [MQTT-3.2.2-14]
            if (p.qos() > s.config().maxQos()) {
                channel.protocolError("PUBLISH QoS " + p.qos() + " above the Maximum QoS", ReasonCode.QOS_NOT_SUPPORTED);
                return;
            }
            if (p.retain() && !s.config().retainAvailable()) {
                channel.protocolError("PUBLISH with RETAIN while Retain Available is 0", ReasonCode.RETAIN_NOT_SUPPORTED);
                return;
            }
        }
        String problem = Topics.checkTopicName(p.topic(), s.topicLimits());
        if (problem != null) {
            channel.protocolError("publish topic: " + problem, ReasonCode.TOPIC_NAME_INVALID); // [MQTT-4.7.3-*], [MQTT-3.3.2-2]
            return;
        }
        boolean dropped = Topics.isDollarTopic(p.topic());
        int refused = 0; // MQTT 5: the reason code of a message taken in but not published
        if (dropped) {
            s.metrics().dropped(DropReason.DOLLAR_TOPIC);
            refused = ReasonCode.NOT_AUTHORIZED;
        } else if (!channel.access().mayPublish(p.topic())) {
            // MQTT 3.1.1 has no way to say no: acknowledged as usual, delivered to no one, not retained, counted;
            // MQTT 5 says 0x87 in the PUBACK / PUBREC
            dropped = true;
            refused = ReasonCode.NOT_AUTHORIZED;
            s.metrics().dropped(DropReason.NOT_AUTHORIZED);
        } else if (p.properties() != null && p.properties().payloadFormat() == 1 && !Utf8.isValid(p.payload())) {
            // declared UTF-8 and is not [MQTT-3.3.2-4]: 0x99, and for QoS 0 (no acknowledgement) a DISCONNECT
            s.metrics().dropped(DropReason.PAYLOAD_FORMAT_INVALID);
            if (p.qos() == 0) {
                channel.protocolError("payload is not the UTF-8 its payload format indicator declares", ReasonCode.PAYLOAD_FORMAT_INVALID);
                return;
            }
            dropped = true;
            refused = ReasonCode.PAYLOAD_FORMAT_INVALID;
        }
        if (channel.protocolVersion() < 5) {
            refused = 0;
        }
        boolean retain = p.retain() && s.config().retainAvailable();
        int qos = p.qos();
        if (qos == 0) {
            if (!dropped) {
                route(ACK_NONE, 0, fresh(p, retain), false);
            }
            return;
        }
        if (qos == 1) {
            if (dropped) {
                add(new Step(Future.succeededFuture(), ACK_PUBACK, p.packetId(), false, refused));
            } else {
                route(ACK_PUBACK, p.packetId(), fresh(p, retain), false);
            }
            return;
        }
        int id = p.packetId();
        if (qos2 == null) {
            qos2 = new HashMap<>(4);
        }
        Promise<Void> known = qos2.get(id);
        if (known != null) {
            // sent again on this connection before PUBREL: acknowledge again once the first is, deliver nothing
            add(new Step(known.future().map(v -> null), ACK_PUBREC, id, false));
            return;
        }
        if (dropped && refused != 0) {
            // a PUBREC with an error code ends the exchange: no PUBREL follows (MQTT 5.0 section 4.3.3)
            add(new Step(Future.succeededFuture(), ACK_PUBREC, id, false, refused));
            return;
        }
        qos2.put(id, Promise.promise());
        if (dropped) {
            add(new Step(Future.succeededFuture(), ACK_PUBREC, id, false));
        } else {
            route(ACK_PUBREC, id, fresh(p, retain), channel.persistent());
        }
    }

    private Message fresh(Packets.Publish p, boolean retain) {
        return channel.newMessage(p.topic(), p.payload(), Math.min(p.qos(), channel.services().config().maxQos()), retain,
                p.properties());
    }

    // ---------------------------------------------------------------- store rounds

    /** Most messages stored in one round. */
    private static final int MAX_ROUND = 64;

    /** A message waiting for its store round. {@code qos2State}: a persistent session's QoS 2 packet (id recorded first). */
    private record Waiting(Promise<Publication> stored, Message message, int packetId, boolean qos2State, Step step) {
    }

    private ArrayDeque<Waiting> nextRound;
    private boolean roundInFlight;
    /** Copies of the round under way, counted in the node's store budget until it completes. */
    private long roundCopies;

    /**
     * Routes a message: it joins the next store round, and its acknowledgement waits in the pipeline.
     * Store rounds run one at a time per connection, each storing everything that arrived while the previous
     * one ran: so the stored copies of this client's messages reach every queue in the order it sent them,
     * whatever the cluster retries underneath (a write retried after a partition moved could otherwise
     * overtake the next one).
     */
    private void route(int ack, int packetId, Message m, boolean qos2State) {
        Promise<Publication> stored = Promise.promise();
        if (nextRound == null) {
            nextRound = new ArrayDeque<>(4);
        }
        Step step = new Step(stored.future(), ack, packetId, qos2State);
        nextRound.addLast(new Waiting(stored, m, packetId, qos2State, step));
        charge(step, messageBytes(m));
        if (!roundInFlight) {
            startRound();
        }
        add(step);
    }

    private void startRound() {
        if (nextRound == null || nextRound.isEmpty() || !channel.isConnected()) {
            return;
        }
        List<Waiting> round = new ArrayList<>(Math.min(nextRound.size(), MAX_ROUND));
        int qos2Count = 0;
        while (!nextRound.isEmpty() && round.size() < MAX_ROUND) {
            Waiting w = nextRound.pollFirst();
            round.add(w);
            if (w.qos2State()) {
                qos2Count++;
            }
        }
        roundInFlight = true;
        Future<Void> done;
        if (qos2Count == 0) {
            try {
                done = storeRound(round, null); // the common case: no receive state to read first
            } catch (RuntimeException e) {
                done = Future.failedFuture(e); // as a failure inside the chain would: the round fails, the connection closes
            }
        } else {
            int[] ids = new int[qos2Count];
            long[] messageIds = new long[2 * qos2Count];
            int q = 0;
            for (Waiting w : round) {
                if (w.qos2State()) {
                    ids[q] = w.packetId();
                    messageIds[2 * q] = w.message().idHigh();
                    messageIds[2 * q + 1] = w.message().idLow();
                    q++;
                }
            }
            ProtocolServices s = channel.services();
            done = channel.ops().retrying(() -> s.store().qos2ReceiveBatch(channel.clientId(), channel.epoch(), ids, messageIds))
                    .compose(states -> states != null && states[0] == Qos2Receive.FENCED
                            ? Future.failedFuture(new IllegalStateException("taken over"))
                            : storeRound(round, states));
        }
        if (done.succeeded()) {
            roundInFlight = false; // stored at once (nothing to write): no continuation to schedule
            startRound();
            return;
        }
        done.onComplete(ar -> {
            roundInFlight = false;
            if (ar.failed()) {
                for (Waiting w : round) {
                    w.stored().tryFail(ar.cause());
                }
                return; // the pipeline closes the connection
            }
            startRound();
        });
    }

    /** Plans and stores one round; {@code states}: the QoS 2 receive states of its qos2State messages, in order. */
    private Future<Void> storeRound(List<Waiting> round, long[] states) {
        ProtocolServices s = channel.services();
        roundCopies = 0;
        List<Router.Plan> plans = new ArrayList<>(round.size());
        List<Waiting> planned = new ArrayList<>(round.size());
        int q = 0;
        for (Waiting w : round) {
            Message m = w.message();
            boolean again = false;
            if (w.qos2State()) {
                long state = states[3 * q];
                long high = states[3 * q + 1];
                long low = states[3 * q + 2];
                q++;
                if (state == Qos2Receive.ROUTED) {
                    w.stored().complete(null); // routed before: PUBREC only
                    continue;
                }
                if (state == Qos2Receive.RECORDED) {
                    m = m.withId(high, low); // a crash interrupted its routing: again, under its first id
                    again = true;
                }
            }
            Router.Plan plan = s.router().plan(m, channel.clientId(), again);
            int copies = (plan.durable() == null ? 0 : plan.durable().size()) + (plan.sharedSecond() == null ? 0 : plan.sharedSecond().size());
            if (copies > 0) {
                roundCopies += copies * messageBytes(m); // each queue's copy, until the write is done
            }
            plans.add(plan);
            planned.add(w);
        }
        long copies = roundCopies;
        roundCopies = 0;
        if (plans.isEmpty()) {
            return Future.succeededFuture();
        }
        Future<List<Publication>> stored;
        InboundBudget budget = s.inboundBudget();
        if (copies == 0) {
            stored = s.router().store(plans, channel.context());
        } else if (budget.storeAdmits()) {
            stored = storeCounted(plans, copies);
        } else {
            // the store has enough under way: this round (and the ones behind it) waits its turn
            Promise<Void> admitted = channel.context().promise();
            awaitStoreTurn(admitted);
            stored = admitted.future().compose(v -> storeCounted(plans, copies));
        }
        return stored.map(pubs -> {
            for (int i = 0; i < pubs.size(); i++) {
                planned.get(i).stored().complete(pubs.get(i));
            }
            return null;
        });
    }

    /** Completes {@code admitted} once a round with copies may start; woken with the others, it checks again. */
    private void awaitStoreTurn(Promise<Void> admitted) {
        InboundBudget budget = channel.services().inboundBudget();
        if (budget.storeAdmits()) {
            admitted.tryComplete();
        } else {
            budget.whenStoreAdmits(channel.context(), () -> awaitStoreTurn(admitted));
        }
    }

    /** Stores a round's plans with its copies counted in the node's store budget until the writes are done. */
    private Future<List<Publication>> storeCounted(List<Router.Plan> plans, long copies) {
        InboundBudget budget = channel.services().inboundBudget();
        budget.chargeStore(copies);
        Future<List<Publication>> stored = channel.services().router().store(plans, channel.context());
        stored.onComplete(ar -> budget.releaseStore(copies));
        return stored;
    }

    private void add(Step step) {
        if ((storing == null || storing.isEmpty()) && (confirming == null || confirming.isEmpty())
                && step.stored.succeeded()) {
            // the common case: nothing waiting, nothing to wait for
            confirm(step);
            if (step.confirmed().succeeded()) {
                acknowledge(step);
                return;
            }
            confirming().addLast(step);
            waitFor(step);
            return;
        }
        storing().addLast(step);
        if (step.stored.isComplete()) {
            advance();
        } else {
            step.stored.onComplete(ar -> advance());
        }
    }

    private void advance() {
        if (!channel.isConnected()) {
            return;
        }
        while (storing != null && !storing.isEmpty() && storing.peekFirst().stored.isComplete()) {
            Step s = storing.pollFirst();
            if (s.stored.failed()) {
                release(s);
                fail(s.stored.cause());
                return;
            }
            confirm(s);
            confirming().addLast(s);
        }
        while (confirming != null && !confirming.isEmpty()) {
            Step s = confirming.peekFirst();
            Future<?> confirmed = s.confirmed();
            if (!confirmed.isComplete()) {
                waitFor(s); // the head of the line: the ones behind it are asked once it is through
                return;
            }
            confirming.pollFirst();
            if (confirmed.failed()) {
                release(s);
                fail(confirmed.cause());
                return;
            }
            acknowledge(s);
        }
    }

    private void waitFor(Step head) {
        if (!head.listening) {
            head.listening = true;
            head.confirmed().onComplete(ar -> advance());
        }
    }

    /** Dispatches a stored step (in packet order) and sets what its acknowledgement waits for. */
    private void confirm(Step s) {
        Publication p = s.stored.result();
        if (p == null) {
            s.confirmation = Confirmation.DONE;
            return;
        }
        Confirmation delivered = channel.services().router().dispatch(p, channel.context());
        if (s.markRouted) {
            int id = s.packetId;
            ProtocolServices svc = channel.services();
            s.confirmation = Confirmation.of(delivered.await()
                    .compose(v -> channel.ops().retrying(() -> svc.store().qos2Routed(channel.clientId(), channel.epoch(), id)))
                    .compose(ok -> ok ? Future.succeededFuture() : Future.failedFuture(new IllegalStateException("taken over"))));
        } else {
            s.confirmation = delivered;
        }
    }

    private static long messageBytes(Message m) {
        return m.payload().length + 2L * m.topic().length() + MESSAGE_OVERHEAD;
    }

    /** Counts what a step holds, here and node-wide; past either bound, reading from the client stops. */
    private void charge(Step step, long bytes) {
        step.bytes += bytes;
        pendingBytes += bytes;
        InboundBudget budget = channel.services().inboundBudget();
        boolean nodeFull = budget.charge(bytes);
        if (!readingPaused && (nodeFull || pendingBytes > budget.perClient())) {
            readingPaused = true;
            channel.services().metrics().inboundPaused();
            channel.out().pauseReading(true);
        }
    }

    /** Reads again once this client and the node are both back under half their bounds. */
    private void maybeResume() {
        InboundBudget budget = channel.services().inboundBudget();
        if (!readingPaused || pendingBytes > budget.perClient() / 2) {
            return;
        }
        if (!budget.belowLow()) {
            if (pendingBytes == 0) {
                budget.whenBelowLow(channel.context(), this::maybeResume); // nothing of its own left to wait for
            }
            return;
        }
        readingPaused = false;
        channel.out().pauseReading(false);
    }

    private void release(Step s) {
        if (s.bytes > 0) {
            pendingBytes -= s.bytes;
            channel.services().inboundBudget().release(s.bytes);
            s.bytes = 0;
        }
    }

    /**
     * The connection ended or failed: what its steps hold leaves the node's count once their store writes are
     * done (those not started, at once). No acknowledgement follows.
     */
    void releaseAll() {
        if (nextRound != null) {
            for (Waiting w : nextRound) {
                release(w.step());
            }
            nextRound.clear();
        }
        for (ArrayDeque<Step> q : java.util.Arrays.asList(storing, confirming)) {
            if (q == null) {
                continue;
            }
            for (Step s : q) {
                if (s.stored.isComplete()) {
                    release(s);
                } else {
                    s.stored.onComplete(ar -> release(s));
                }
            }
        }
    }

    private void acknowledge(Step s) {
        if (s.bytes > 0) {
            release(s);
            maybeResume();
        }
        if (!channel.isConnected()) {
            return;
        }
        if (s.ack != ACK_NONE && !channel.services().admission().hasQuorum()) {
            // the node lost its quorum while the message was on its way: the other side may not have it
            fail(new IllegalStateException("the cluster is below its quorum"));
            return;
        }
        int reason = s.reason;
        if (reason == 0 && s.ack != ACK_NONE && channel.protocolVersion() >= 5) {
            Publication p = s.stored.result();
            if (p != null && !p.matchedAny()) {
                reason = ReasonCode.NO_MATCHING_SUBSCRIBERS;
            }
        }
        if (s.ack == ACK_PUBACK) {
            channel.out().puback(s.packetId, reason);
        } else if (s.ack == ACK_PUBREC) {
            channel.out().pubrec(s.packetId, reason);
            Promise<Void> p = qos2 == null ? null : qos2.get(s.packetId);
            if (p != null) {
                p.tryComplete();
            }
        }
    }

    private void fail(Throwable cause) {
        channel.storeFailed("publish", cause); // not acknowledged: the client sends it again
        releaseAll();
        storing = null;
        confirming = null;
    }

    /** PUBREL: releases the QoS 2 packet id, then PUBCOMP; also for an id we do not know [MQTT-4.3.3-2]. */
    void onPubrel(int packetId) {
        Promise<Void> known = qos2 == null ? null : qos2.remove(packetId);
        Future<Void> routed = known == null ? Future.succeededFuture() : known.future();
        if (!channel.persistent()) {
            // MQTT 5 says when the id was not known (0x92); the exchange ends either way
            int reason = known == null && channel.protocolVersion() >= 5 ? ReasonCode.PACKET_IDENTIFIER_NOT_FOUND : 0;
            routed.onSuccess(v -> channel.out().pubcomp(packetId, reason));
            return;
        }
        ProtocolServices s = channel.services();
        routed.compose(v -> channel.ops().retrying(() -> s.store().qos2Release(channel.clientId(), channel.epoch(), packetId)))
                .onComplete(ar -> {
                    if (!channel.isConnected()) {
                        return;
                    }
                    if (ar.succeeded() && ar.result()) {
                        channel.out().pubcomp(packetId);
                    } else {
                        // not stored: the client sends PUBREL again after it reconnects
                        channel.storeFailed("pubrel", ar.failed() ? ar.cause() : new IllegalStateException("taken over"));
                    }
                });
    }

    private ArrayDeque<Step> storing() {
        if (storing == null) {
            storing = new ArrayDeque<>(4);
        }
        return storing;
    }

    private ArrayDeque<Step> confirming() {
        if (confirming == null) {
            confirming = new ArrayDeque<>(4);
        }
        return confirming;
    }
}
