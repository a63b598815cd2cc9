package io.mqttcluster.broker.http;

import io.mqttcluster.cluster.session.ClientQuery;
import io.mqttcluster.cluster.session.SessionRecord;
import io.mqttcluster.cluster.session.SessionView;
import io.mqttcluster.cluster.session.SubOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * The client search of {@code GET /api/v1/clients}: its parameters checked into a {@link ClientQuery}, and sessions
 * as the API's JSON (list items and the detail). Stateless; any thread.
 */
public final class ClientsQuery {

    private ClientsQuery() {
    }

    /**
     * {@code prefix}, {@code user}, {@code node} (a member's name: 400 when no member has it), {@code state}
     * (connected or offline) and the paging parameters.
     *
     * @param memberNames node id -> node name of the current members
     */
    public static ClientQuery parse(MultiMap params, Map<String, String> memberNames) {
        PageParams page = PageParams.of(params);
        String state = PageParams.single(params, "state");
        ClientQuery.State s = null;
        if (state != null) {
            s = switch (state) {
                case "connected" -> ClientQuery.State.CONNECTED;
                case "offline" -> ClientQuery.State.OFFLINE;
                default -> throw ApiError.badRequest("state must be connected or offline, not '" + state + "'");
            };
        }
        String node = PageParams.single(params, "node");
        String owner = null;
        if (node != null) {
            owner = nodeId(memberNames, node);
            if (owner == null) {
                throw ApiError.badRequest("no cluster member is named '" + node + "'");
            }
        }
        return new ClientQuery(PageParams.single(params, "prefix"), PageParams.single(params, "user"), owner, s,
                page.after(), page.limit());
    }

    /** The id of the member named {@code name}, or null. */
    public static String nodeId(Map<String, String> memberNames, String name) {
        for (Map.Entry<String, String> e : memberNames.entrySet()) {
            if (name.equals(e.getValue())) {
                return e.getKey();
            }
        }
        return null;
    }

    /** A page of at most {@code limit} items from the store's {@code limit + 1} summaries. */
    public static JsonObject page(List<SessionView> found, int limit, Map<String, String> memberNames) {
        JsonArray items = new JsonArray();
        for (int i = 0; i < Math.min(limit, found.size()); i++) {
            items.add(summary(found.get(i), memberNames));
        }
        String next = found.size() > limit ? found.get(limit - 1).clientId() : null;
        return new JsonObject().put("items", items).put("next", next);
    }

    /** A list item: who, where, since when, how much waits. */
    public static JsonObject summary(SessionView v, Map<String, String> memberNames) {
        return new JsonObject()
                .put("clientId", v.clientId())
                .put("connected", v.connected())
                .put("node", v.owner() == null ? null : memberNames.getOrDefault(v.owner(), v.owner()))
                .put("protocolVersion", v.protocolVersion())
                .put("user", v.user())
                .put("persistent", v.persistent())
                .put("queued", v.queued())
                .put("subscriptions", v.subscriptionCount())
                .put("connectedAt", v.connected() ? PageParams.iso(v.connectedAtMillis()) : null)
                .put("expiresAt", PageParams.iso(v.expiresAtMillis()));
    }

    /**
     * The detail of {@code GET /api/v1/clients/{clientId}}. {@code live} is the owner node's answer (null: offline
     * or no answer): its in-flight count, and the subscriptions of a session that keeps none in the store.
     */
    public static JsonObject detail(SessionView v, JsonObject live, Map<String, String> memberNames) {
        JsonObject out = summary(v, memberNames);
        out.remove("subscriptions");
        out.put("nodeId", v.owner())
                .put("remote", v.connected() ? v.remote() : null)
                .put("keepAliveSeconds", v.keepAliveSeconds())
                .put("sessionExpirySeconds", v.expirySeconds() == SessionRecord.NEVER ? null : v.expirySeconds())
                .put("inflight", live == null ? null : live.getInteger("inflight"));
        JsonArray subs;
        if (live != null && live.getJsonArray("subscriptions") != null) {
            subs = live.getJsonArray("subscriptions");
        } else {
            subs = new JsonArray();
            for (Map.Entry<String, SubOptions> e : v.subscriptions().entrySet()) {
                subs.add(subscription(e.getKey(), e.getValue()));
            }
        }
        out.put("subscriptions", subs);
        out.put("will", v.willTopic() == null ? null : new JsonObject()
                .put("topic", v.willTopic())
                .put("qos", v.willQos())
                .put("retain", v.willRetain())
                .put("delaySeconds", v.willDelaySeconds())
                .put("payloadBytes", v.willPayloadBytes()));
        return out;
    }

    /** One subscription of the detail. */
    public static JsonObject subscription(String filter, SubOptions o) {
        return new JsonObject()
                .put("filter", filter)
                .put("qos", o.qos())
                .put("noLocal", o.noLocal())
                .put("retainAsPublished", o.retainAsPublished())
                .put("retainHandling", o.retainHandling())
                .put("subscriptionId", o.subscriptionId() == 0 ? null : o.subscriptionId());
    }
}
