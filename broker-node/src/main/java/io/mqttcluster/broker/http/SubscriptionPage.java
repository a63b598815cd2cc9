package io.mqttcluster.broker.http;

import io.mqttcluster.cluster.session.SubOptions;
import io.mqttcluster.cluster.topic.SharedSubscription;
import io.vertx.core.json.JsonObject;

import java.util.TreeMap;

/**
 * One page of subscriptions being collected: the {@code capacity} smallest sort keys (filter, NUL, client id: a
 * filter holds no NUL) after the cursor, each with its API item. Offers beyond the page are dropped at once, so
 * the memory is bounded by the page whatever the number of subscriptions. Not thread-safe: one owner.
 */
final class SubscriptionPage {

    private final String after;
    private final int capacity;
    private final TreeMap<String, JsonObject> items = new TreeMap<>();

    SubscriptionPage(String after, int capacity) {
        this.after = after;
        this.capacity = capacity;
    }

    /** The sort key of a subscription: what {@code after} holds. */
    static String key(String filter, String clientId) {
        return filter + '\0' + clientId;
    }

    void offer(String filter, String clientId, SubOptions o, String node) {
        String key = key(filter, clientId);
        if (admits(key)) {
            offer(key, item(filter, clientId, o, node));
        }
    }

    /** Offers an item; one with a node (from the node holding the client) wins over one without (from the mirror). */
    void offer(String key, JsonObject item) {
        if (!admits(key)) {
            return;
        }
        JsonObject had = items.get(key);
        if (had != null && had.getString("node") != null && item.getString("node") == null) {
            return;
        }
        items.put(key, item);
        if (items.size() > capacity) {
            items.pollLastEntry();
        }
    }

    private boolean admits(String key) {
        return (after == null || key.compareTo(after) > 0) && (items.size() < capacity || key.compareTo(items.lastKey()) < 0
                || items.containsKey(key));
    }

    TreeMap<String, JsonObject> items() {
        return items;
    }

    static JsonObject item(String filter, String clientId, SubOptions o, String node) {
        String group = null;
        if (SharedSubscription.isShared(filter)) {
            int end = filter.indexOf('/', SharedSubscription.PREFIX.length());
            group = end < 0 ? null : filter.substring(SharedSubscription.PREFIX.length(), end);
        }
        return new JsonObject()
                .put("filter", filter)
                .put("clientId", clientId)
                .put("qos", o.qos())
                .put("shareGroup", group)
                .put("node", node);
    }
}
