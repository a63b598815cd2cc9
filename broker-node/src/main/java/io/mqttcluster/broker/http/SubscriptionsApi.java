package io.mqttcluster.broker.http;

import io.mqttcluster.broker.cluster.AdminRequests;
import io.mqttcluster.cluster.ClusterView;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/subscriptions}: subscriptions by filter and client id, paged, sorted by filter then client id.
 * Two sources, merged into one bounded page: the durable subscriptions mirrored on this node (persistent sessions'
 * QoS 1/2 subscriptions, connected or not, without a node), and each node's own page of the subscriptions of the
 * clients connected to it (every kind, with the node's name); a node's entry wins over the mirror's. Completes on
 * the request's context.
 */
public final class SubscriptionsApi {

    private static final Logger log = LoggerFactory.getLogger(SubscriptionsApi.class);
    static final long NODE_TIMEOUT_MS = 2000;

    private final ClusterView cluster;
    private final AdminRequests admin;
    private final Vertx vertx;

    public SubscriptionsApi(ClusterView cluster, AdminRequests admin, Vertx vertx) {
        this.cluster = cluster;
        this.admin = admin;
        this.vertx = vertx;
    }

    public Future<JsonObject> list(MultiMap params, ContextInternal ctx) {
        PageParams page = PageParams.of(params);
        String filter = PageParams.single(params, "filter");
        String clientId = PageParams.single(params, "clientId");
        String after = page.after() == null ? null : decodeCursor(page.after());
        int capacity = page.limit() + 1;
        Future<SubscriptionPage> mirrored = vertx.executeBlocking(() -> {
            SubscriptionPage p = new SubscriptionPage(after, capacity);
            cluster.durableSubscriptions().forEach(s -> {
                if ((filter == null || filter.equals(s.filter())) && (clientId == null || clientId.equals(s.clientId()))) {
                    p.offer(s.filter(), s.clientId(), s.options(), null);
                }
            });
            return p;
        }, false);
        JsonObject args = new JsonObject().put("filter", filter).put("clientId", clientId).put("after", after)
                .put("limit", page.limit());
        List<Future<JsonObject>> nodes = new ArrayList<>();
        for (Map.Entry<String, String> m : cluster.memberNames().entrySet()) {
            nodes.add(admin.ask(m.getKey(), AdminRequests.SUBSCRIPTIONS, args, NODE_TIMEOUT_MS, ctx).recover(err -> {
                log.info("event=admin_subscriptions_no_answer node={} error={}", m.getValue(), err.getMessage());
                return Future.succeededFuture(new JsonObject().put("items", new JsonArray()));
            }));
        }
        return Future.all(nodes).compose(all -> mirrored.map(merged -> {
            for (int i = 0; i < all.size(); i++) {
                JsonObject reply = all.resultAt(i);
                for (Object o : reply.getJsonArray("items")) {
                    JsonObject item = (JsonObject) o;
                    merged.offer(SubscriptionPage.key(item.getString("filter"), item.getString("clientId")), item);
                }
            }
            JsonArray items = new JsonArray();
            String last = null;
            for (Map.Entry<String, JsonObject> e : merged.items().entrySet()) {
                if (items.size() == page.limit()) {
                    return new JsonObject().put("items", items).put("next", encodeCursor(last));
                }
                items.add(e.getValue());
                last = e.getKey();
            }
            return new JsonObject().put("items", items).put("next", null);
        }));
    }

    /** The cursor is the sort key (filter NUL client id) in URL-safe base64: it travels in a query parameter. */
    static String encodeCursor(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    static String decodeCursor(String cursor) {
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("after is not a cursor this call returned");
        }
    }
}
