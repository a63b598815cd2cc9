package io.mqttcluster.broker.cluster;

import io.mqttcluster.cluster.ClusterView;
import io.mqttcluster.cluster.forward.BufferDataInput;
import io.mqttcluster.cluster.forward.ClusterBus;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;

import java.io.IOException;

/**
 * The admin API's node-to-node requests, both ways: what only the node holding a connection (or the node itself)
 * knows or can do: a client's live facts, an operator's kick, the node's status, drain and undrain, and the
 * subscriptions of the clients connected to it. Each request and reply is a {@link #VERSION} byte followed by a
 * small JSON object (admin calls are rare; their shape follows the API's). A request for this node itself is
 * answered locally, without the bus, so callers need not tell the cases apart.
 *
 * <p>Thread-safe; {@link #ask} completes on the caller's context.
 */
public final class AdminRequests {

    /** Version of the admin request and reply format; a node refuses one it does not know. */
    static final byte VERSION = 1;

    public static final int KICK = 10;
    public static final int LIVE = 11;
    public static final int STATUS = 12;
    public static final int DRAIN = 13;
    public static final int SUBSCRIPTIONS = 14;
    public static final int SUBSCRIPTION_COUNTS = 15;

    /** What this node answers; each call may complete on any thread. */
    public interface Local {
        /** {@code {"clientId", "closed": bool}}: closes the connection (args: clientId, delete). */
        Future<JsonObject> kick(JsonObject args);

        /** {@code {"connected": bool, "inflight", "subscriptions": [...]}} of a client connected here (args: clientId). */
        Future<JsonObject> live(JsonObject args);

        /** This node's name, readiness, draining, connections and message counters. */
        Future<JsonObject> status(JsonObject args);

        /** Drains (args: draining true) or undrains this node; answers its status. */
        Future<JsonObject> drain(JsonObject args);

        /** A page of the subscriptions of clients connected here (args: filter, clientId, after, limit). */
        Future<JsonObject> subscriptions(JsonObject args);

        /** {@code {"counts": {clientId: n}}}: how many subscriptions clients connected here hold (args: clientIds). */
        Future<JsonObject> subscriptionCounts(JsonObject args);
    }

    private final ClusterView cluster;
    private final ClusterBus bus;
    private volatile Local local;

    public AdminRequests(ClusterView cluster, ClusterBus bus) {
        this.cluster = cluster;
        this.bus = bus;
    }

    /** Sets what this node answers (once it exists: the bus is up before the node). */
    public void attach(Local local) {
        this.local = local;
    }

    /**
     * Asks node {@code nodeId} (this one: locally) and completes on {@code ctx} with its answer, or fails when it
     * does not answer within {@code timeoutMillis}.
     */
    public Future<JsonObject> ask(String nodeId, int kind, JsonObject args, long timeoutMillis, ContextInternal ctx) {
        Future<JsonObject> answer;
        if (nodeId.equals(cluster.nodeId()) || bus == null) {
            answer = serve(kind, args);
        } else {
            answer = bus.request(nodeId, kind, encode(args), timeoutMillis).compose(AdminRequests::decodeFuture);
        }
        return NodeLink.onContext(ctx, answer);
    }

    /** True for the request kinds this class serves. */
    public static boolean isAdmin(int kind) {
        return kind >= KICK && kind <= SUBSCRIPTION_COUNTS;
    }

    /** A request from another node. */
    public Future<Buffer> onRequest(int kind, BufferDataInput payload) {
        try {
            return serve(kind, decode(payload)).map(AdminRequests::encode);
        } catch (IOException | RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private Future<JsonObject> serve(int kind, JsonObject args) {
        Local l = local;
        if (l == null) {
            return Future.failedFuture("starting");
        }
        return switch (kind) {
            case KICK -> l.kick(args);
            case LIVE -> l.live(args);
            case STATUS -> l.status(args);
            case DRAIN -> l.drain(args);
            case SUBSCRIPTIONS -> l.subscriptions(args);
            case SUBSCRIPTION_COUNTS -> l.subscriptionCounts(args);
            default -> Future.failedFuture("unknown admin request " + kind);
        };
    }

    static Buffer encode(JsonObject json) {
        return Buffer.buffer().appendByte(VERSION).appendBuffer(json.toBuffer());
    }

    private static Future<JsonObject> decodeFuture(Buffer reply) {
        try {
            return Future.succeededFuture(decode(reply));
        } catch (IOException | RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    static JsonObject decode(Buffer b) throws IOException {
        if (b.length() < 1 || b.getByte(0) != VERSION) {
            throw new IOException("unknown admin format version " + (b.length() < 1 ? "(empty)" : b.getByte(0)));
        }
        return new JsonObject(b.getBuffer(1, b.length()));
    }

    static JsonObject decode(BufferDataInput in) throws IOException {
        int version = in.readByte();
        if (version != VERSION) {
            throw new IOException("unknown admin format version " + version);
        }
        byte[] rest = new byte[in.remaining()];
        in.readFully(rest);
        return new JsonObject(Buffer.buffer(rest));
    }
}
