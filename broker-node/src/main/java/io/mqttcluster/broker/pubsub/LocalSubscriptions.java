package io.mqttcluster.broker.pubsub;

import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.route.RouteTable;
import io.mqttcluster.cluster.topic.TopicTree;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The subscriptions of clients connected to this node (not shared ones): a topic tree matched for every
 * publish, and the count per filter that decides this node's entries in the cluster route table (written
 * for a filter's first local subscriber, removed with its last).
 *
 * <p>Thread-safe: the tree is concurrent; the counts are kept under a lock.
 */
public final class LocalSubscriptions {

    private final TopicTree<Subscription> tree = new TopicTree<>();
    private final Map<String, Integer> filterCounts = new HashMap<>();
    private final RouteTable routes;
    private final String nodeId;

    public LocalSubscriptions(RouteTable routes, String nodeId) {
        this.routes = routes;
        this.nodeId = nodeId;
    }

    /**
     * Adds a subscription; returns the route-table write when it is this node's first for its filter (null
     * otherwise, or when it was there already).
     */
    public CompletionStage<Void> add(Subscription s) {
        if (!tree.add(s.topicFilter(), s)) {
            return null;
        }
        synchronized (filterCounts) {
            if (filterCounts.merge(s.topicFilter(), 1, Integer::sum) == 1) {
                return routes.add(s.topicFilter(), nodeId);
            }
        }
        return null;
    }

    /** Removes a subscription, and this node's route for its filter with the last one. */
    public void remove(Subscription s) {
        if (!tree.remove(s.topicFilter(), s)) {
            return;
        }
        synchronized (filterCounts) {
            Integer n = filterCounts.get(s.topicFilter());
            if (n == null || n <= 1) {
                filterCounts.remove(s.topicFilter());
                routes.remove(s.topicFilter(), nodeId);
            } else {
                filterCounts.put(s.topicFilter(), n - 1);
            }
        }
    }

    public int size() {
        return tree.size();
    }

    /**
     * Removes this node's route for a filter no client here subscribes to (a leftover), under the same lock as
     * {@link #add}, so a subscriber arriving meanwhile keeps its route. Returns whether it removed it.
     */
    public boolean removeRouteIfUnused(String filter) {
        synchronized (filterCounts) {
            if (filterCounts.containsKey(filter)) {
                return false;
            }
            routes.remove(filter, nodeId);
            return true;
        }
    }

    /** Whether a client connected here subscribes to this filter (so this node's route for it is due). */
    public boolean hasFilter(String filter) {
        synchronized (filterCounts) {
            return filterCounts.containsKey(filter);
        }
    }

    /** A delivery to a subscriber connected here that needs no stored copy. */
    /** @param subscriptionIds the MQTT 5 identifiers of the subscriptions it matched, or null for none */
    public record Direct(Subscriber subscriber, int qos, boolean retainFlag, String shareKey, int[] subscriptionIds) {
    }

    /**
     * The subscribers connected here that get this message directly: one entry per subscriber at the
     * highest QoS of its matching subscriptions [MQTT-3.3.5-1]; persistent sessions that get it at QoS 1/2
     * are left out (they get it through their stored queue); No Local is honoured [MQTT-3.8.3-3].
     */
    public void match(Message message, String[] levels, boolean dollar, String publisherId, List<Direct> out) {
        ArrayList<Subscription> found = new ArrayList<>(4);
        tree.match(levels, dollar, sub -> {
            if (!(sub.options().noLocal() && sub.subscriber().clientId().equals(publisherId))) {
                found.add(sub);
            }
        });
        int n = found.size();
        if (n == 0) {
            return;
        }
        if (n <= 16) {
            // merge duplicates by a scan: cheaper than a map for a handful
            for (int i = 0; i < n; i++) {
                Subscription s = found.get(i);
                if (s == null) {
                    continue;
                }
                Subscriber sub = s.subscriber();
                int qos = Math.min(message.qos(), s.options().qos());
                boolean retain = s.options().retainAsPublished() && message.retain();
                int[] ids = withId(null, s.options().subscriptionId());
                for (int j = i + 1; j < n; j++) {
                    Subscription t = found.get(j);
                    if (t != null && t.subscriber() == sub) {
                        qos = Math.max(qos, Math.min(message.qos(), t.options().qos()));
                        retain |= t.options().retainAsPublished() && message.retain();
                        ids = withId(ids, t.options().subscriptionId());
                        found.set(j, null);
                    }
                }
                if (!(sub.persistent() && qos >= 1)) {
                    out.add(new Direct(sub, qos, retain, null, ids));
                }
            }
            return;
        }
        Map<Subscriber, int[]> bySubscriber = new IdentityHashMap<>(n * 2);
        Map<Subscriber, int[]> idsBySubscriber = null;
        for (Subscription s : found) {
            int[] m = bySubscriber.computeIfAbsent(s.subscriber(), k -> new int[]{-1, 0});
            m[0] = Math.max(m[0], Math.min(message.qos(), s.options().qos()));
            m[1] |= s.options().retainAsPublished() && message.retain() ? 1 : 0;
            if (s.options().subscriptionId() != 0) {
                if (idsBySubscriber == null) {
                    idsBySubscriber = new IdentityHashMap<>();
                }
                idsBySubscriber.put(s.subscriber(), withId(idsBySubscriber.get(s.subscriber()), s.options().subscriptionId()));
            }
        }
        Map<Subscriber, int[]> ids = idsBySubscriber;
        bySubscriber.forEach((sub, m) -> {
            if (!(sub.persistent() && m[0] >= 1)) {
                out.add(new Direct(sub, m[0], m[1] != 0, null, ids == null ? null : ids.get(sub)));
            }
        });
    }

    /**
     * {@code ids} with {@code id} added (0: none to add): one copy of a message that matches overlapping
     * subscriptions carries every matching identifier [MQTT-3.3.4-3] [MQTT-3.3.4-4].
     */
    private static int[] withId(int[] ids, int id) {
        if (id == 0) {
            return ids;
        }
        if (ids == null) {
            return new int[]{id};
        }
        for (int existing : ids) {
            if (existing == id) {
                return ids;
            }
        }
        int[] more = java.util.Arrays.copyOf(ids, ids.length + 1);
        more[ids.length] = id;
        return more;
    }
}
