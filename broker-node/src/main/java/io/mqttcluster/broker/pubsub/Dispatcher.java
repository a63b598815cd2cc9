package io.mqttcluster.broker.pubsub;

import io.mqttcluster.broker.cluster.Confirmation;
import io.mqttcluster.broker.cluster.NodeLink;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.broker.cluster.ForwardCodec;
import io.mqttcluster.broker.cluster.ForwardCodec.Notice;
import io.mqttcluster.broker.cluster.ForwardCodec.SharedDelivery;
import io.mqttcluster.broker.metrics.BrokerMetrics.DropReason;
import io.mqttcluster.cluster.forward.FrameOutput;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.AppendResult;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.mqttcluster.cluster.session.Target;
import io.mqttcluster.cluster.topic.Topics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Carries out a {@link Publication}: hands the message to the subscribers connected here, tells the
 * connections of persistent sessions where their stored copy is, and forwards it once to each other node
 * that takes a copy. On the receiving node, {@link #onForward} does the same for that node's connections.
 *
 * <p><b>When a publish may be acknowledged.</b> {@link #dispatch} completes once every other node that
 * takes a copy of a QoS 1/2 message has it (the node-to-node link acknowledges each forward). So a
 * publisher's PUBACK / PUBREC means: stored for every persistent session, and received by every node with
 * a matching subscriber; a node that dies after that takes only its own connections with it. A node that
 * leaves the cluster meanwhile counts as done: it has no subscribers left.
 *
 * <p><b>QoS 2 second copies.</b> A QoS 2 message routed twice under one message id (re-sent by its publisher
 * after a crash interrupted its first routing, or its first routing arriving late from a node that stood still
 * in the middle of it) is handed to a node's direct subscribers, and to each shared-group member, only once
 * ({@link RecentQos2}); stored copies are recognised by the queues, and the connections by sequence number.
 *
 * <p>Thread-safe: deliveries hop to each subscriber's event loop.
 */
public final class Dispatcher {

    private final String self;
    private final BrokerMetrics metrics;
    private final NodeLink link;
    private final ContextInternal systemContext;
    private final LocalSubscriptions local;
    private final RecentQos2 recent = new RecentQos2();
    private volatile Function<String, Subscriber> clients = id -> null;
    private volatile Router router;
    private volatile Subscriptions subscriptions;

    public Dispatcher(String nodeId, BrokerMetrics metrics, NodeLink link, ContextInternal systemContext, LocalSubscriptions local) {
        this.self = nodeId;
        this.metrics = metrics;
        this.link = link;
        this.systemContext = systemContext;
        this.local = local;
    }

    /** The router that hands publications to this dispatcher (shared messages go back to it to pick again). */
    public void router(Router router) {
        this.router = router;
    }

    /** The subscription tables (a shared-group member whose session is gone is removed there). */
    public void subscriptions(Subscriptions subscriptions) {
        this.subscriptions = subscriptions;
    }

    /** How to find a client connected here by id (the session registry, which exists after this). */
    public void clients(Function<String, Subscriber> lookup) {
        this.clients = lookup;
    }

    /** The client connected here with this id, or null. */
    public Subscriber client(String clientId) {
        return clients.apply(clientId);
    }

    /**
     * Delivers a stored publication here and forwards it to other nodes. Its confirmation completes on {@code
     * ctx} once every other node that takes a copy acknowledged it (QoS 1/2), at once for QoS 0.
     */
    public Confirmation dispatch(Publication p, ContextInternal ctx) {
        Message message = p.message();
        if (!p.direct().isEmpty()) {
            int directFirst = -1; // not asked yet
            for (LocalSubscriptions.Direct d : p.direct()) {
                Subscriber sub = d.subscriber();
                boolean first;
                if (d.shareKey() != null) {
                    first = firstTime(message, sub.clientId());
                } else {
                    if (directFirst < 0) {
                        directFirst = firstTime(message, null) ? 1 : 0;
                    }
                    first = directFirst == 1;
                }
                if (first) {
                    sub.context().execute(() -> sub.deliverDirect(message, d.qos(), d.retainFlag(), d.shareKey(), d.subscriptionIds()));
                }
            }
        }
        Map<String, List<Notice>> notices = null;
        List<Future<Void>> regiven = null;
        for (Publication.Stored stored : p.stored()) {
            for (Map.Entry<String, Target> t : stored.targets().entrySet()) {
                if (t.getValue().shareGroup() != null && stored.results().get(t.getKey()) == null) {
                    // picked for a member whose session ended (an offline member that expired): another one
                    if (regiven == null) {
                        regiven = new ArrayList<>(1);
                    }
                    regiven.add(memberGone(message, t.getValue(), t.getKey(), ctx));
                }
            }
            for (Map.Entry<String, AppendResult> e : stored.results().entrySet()) {
                AppendResult r = e.getValue();
                if (r == null) {
                    continue;
                }
                if (r.droppedOldest() > 0) {
                    metrics.dropped(DropReason.QUEUE_FULL, r.droppedOldest());
                }
                if (r.status() == AppendResult.DROPPED_NEW) {
                    metrics.dropped(DropReason.QUEUE_FULL);
                    continue;
                }
                if (r.owner() == null || r.seq() == 0) {
                    continue; // offline: it reads its queue on return; or a copy it has finished already
                }
                // APPENDED, or DUPLICATE of a copy still queued: its connection may never have heard of it
                // (the node that stored it first died); the connection drops a sequence number it has seen
                Target t = stored.targets().get(e.getKey());
                QueuedMessage q = new QueuedMessage(r.seq(), message, t.qos(), t.retainFlag() ? QueuedMessage.RETAIN : 0,
                        t.shareGroup(), t.subscriptionIds());
                if (self.equals(r.owner())) {
                    deliverQueued(e.getKey(), r.epoch(), q);
                } else {
                    if (notices == null) {
                        notices = new HashMap<>();
                    }
                    notices.computeIfAbsent(r.owner(), n -> new ArrayList<>(2)).add(new Notice(e.getKey(), r.epoch(), q));
                }
            }
        }
        if (p.remoteRoutes() == null && notices == null && p.remoteShared() == null) {
            return regiven == null || message.qos() == 0 ? Confirmation.DONE : Confirmation.of(Future.all(regiven));
        }
        if (notices == null && p.remoteShared() == null && regiven == null && p.remoteRoutes().size() == 1) {
            return forwardToOne(p, p.remoteRoutes().iterator().next(), ctx);
        }
        Set<String> nodes = new HashSet<>();
        if (p.remoteRoutes() != null) {
            nodes.addAll(p.remoteRoutes());
        }
        if (notices != null) {
            nodes.addAll(notices.keySet());
        }
        if (p.remoteShared() != null) {
            nodes.addAll(p.remoteShared().keySet());
        }
        boolean confirm = message.qos() >= 1;
        List<Future<Void>> delivered = confirm ? new ArrayList<>(nodes.size()) : null;
        if (confirm && regiven != null) {
            delivered.addAll(regiven);
        }
        for (String node : nodes) {
            boolean matchThere = p.remoteRoutes() != null && p.remoteRoutes().contains(node);
            List<SharedDelivery> shared = p.remoteShared() == null ? null : p.remoteShared().get(node);
            Future<Boolean> d = link.forward(node, ForwardCodec.encodeForward(message, matchThere, p.mayBeDuplicate(),
                    notices == null ? null : notices.get(node), shared), confirm);
            if (confirm) {
                delivered.add(d.compose(received -> received || shared == null ? Future.succeededFuture()
                        : redispatchAfterNodeLeft(message, shared, ctx)));
            }
        }
        if (!confirm || delivered.isEmpty()) {
            return Confirmation.DONE;
        }
        Promise<Void> done = ctx.promise();
        Future.all(delivered).<Void>mapEmpty().onComplete(done);
        return Confirmation.of(done.future());
    }

    /**
     * The common case of a cluster under load: one other node has subscribers, nobody here needs a stored copy
     * announced and no shared-group member was picked elsewhere. The same as the general path, with no sets,
     * lists or futures per message: the wait for the node's acknowledgement is left to the publisher's line.
     */
    private Confirmation forwardToOne(Publication p, String node, ContextInternal ctx) {
        Message message = p.message();
        FrameOutput frame = ForwardCodec.encodeForward(message, true, p.mayBeDuplicate(), null, null);
        if (message.qos() == 0) {
            link.forward(node, frame, false);
            return Confirmation.DONE;
        }
        return link.forwardToConfirm(node, frame, ctx);
    }

    /** A stored shared-group copy found no session: the membership is a leftover; the message goes to another member. */
    private Future<Void> memberGone(Message message, Target t, String clientId, ContextInternal ctx) {
        subscriptions.forgetOfflineMember(t.shareGroup(), clientId, ctx);
        return router.redispatchShared(message, t.qos(), t.shareGroup(), clientId, ctx);
    }

    /**
     * Shared-group picks whose node left before it took them: QoS 1 ones go to another member; a QoS 2 one may
     * have reached its member before the node went, and must not reach a second one [MQTT-4.8.2-5].
     */
    private Future<Void> redispatchAfterNodeLeft(Message message, List<SharedDelivery> shared, ContextInternal ctx) {
        List<Future<Void>> again = new ArrayList<>(shared.size());
        for (SharedDelivery d : shared) {
            if (d.qos() < 2) {
                again.add(router.redispatchShared(message, d.qos(), d.shareKey(), d.clientId(), ctx));
            }
        }
        return Future.all(again).mapEmpty();
    }

    /**
     * False for a QoS 2 message this node handed to its direct subscribers ({@code sharedMember} null), or to
     * this shared-group member, before: a second copy, from a publisher's re-send under the first message id
     * or from the first routing arriving late (its node stood still in the middle of it).
     */
    private boolean firstTime(Message message, String sharedMember) {
        if (message.qos() < 2) {
            return true;
        }
        if (!recent.firstTime(message, sharedMember)) {
            metrics.qos2ResendSkipped();
            return false;
        }
        return true;
    }

    /** Hands a stored copy to the connection of its session here, if it is here. */
    public void deliverQueued(String clientId, long epoch, QueuedMessage q) {
        Subscriber sub = client(clientId);
        if (sub != null) {
            sub.context().execute(() -> sub.deliverQueued(epoch, q));
        }
    }

    /** A message forwarded by another node: deliver it to this node's connections. On the link's context. */
    public void onForward(ForwardCodec.Forward f) {
        Message message = f.message();
        if (f.matchLocal() && firstTime(message, null)) {
            List<LocalSubscriptions.Direct> direct = new ArrayList<>(4);
            local.match(message, Topics.levels(message.topic()), Topics.isDollarTopic(message.topic()), message.publisherId(), direct);
            for (LocalSubscriptions.Direct d : direct) {
                Subscriber sub = d.subscriber();
                sub.context().execute(() -> sub.deliverDirect(message, d.qos(), d.retainFlag(), null, d.subscriptionIds()));
            }
        }
        for (Notice n : f.notices()) {
            deliverQueued(n.clientId(), n.epoch(), n.queued());
        }
        for (SharedDelivery d : f.shared()) {
            if (!firstTime(message, d.clientId())) {
                continue;
            }
            Subscriber sub = client(d.clientId());
            if (sub != null) {
                sub.context().execute(() -> sub.deliverDirect(message, d.qos(), false, d.shareKey(), null));
            } else {
                router.redispatchShared(message, d.qos(), d.shareKey(), d.clientId(), systemContext);
            }
        }
    }
}
