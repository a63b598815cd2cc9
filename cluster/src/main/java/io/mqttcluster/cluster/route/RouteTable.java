package io.mqttcluster.cluster.route;

import io.mqttcluster.cluster.topic.TopicTree;
import io.mqttcluster.cluster.table.MirroredTable;
import io.mqttcluster.cluster.table.SharedMap;

import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Which nodes have subscribers for which filters: {@code filter -> nodes}, cluster-wide, mirrored on every
 * node into a {@link TopicTree} so that finding the nodes a publish must be forwarded to never leaves the
 * node. A node writes its entry for a filter when its first local subscriber for that filter appears and
 * removes it when the last one leaves, so the table changes with the set of distinct filters per node,
 * not with every subscription.
 *
 * <p>Map: {@code filter NUL nodeId -> true}. Thread-safe.
 */
public final class RouteTable extends MirroredTable<Boolean, RouteTable.Routes> {

    public static final String MAP_NAME = "mqtt.routes";

    /** The index: route keys and the tree of filter -> node. */
    static final class Routes implements MirroredTable.Index<Boolean> {
        final TopicTree<String> tree = new TopicTree<>();
        final Set<String> keys = ConcurrentHashMap.newKeySet();

        @Override
        public void put(String key, Boolean value) {
            if (keys.add(key)) {
                int sep = key.lastIndexOf(RouteProcessors.SEP);
                tree.add(key.substring(0, sep), key.substring(sep + 1));
            }
        }

        @Override
        public void remove(String key) {
            if (keys.remove(key)) {
                int sep = key.lastIndexOf(RouteProcessors.SEP);
                tree.remove(key.substring(0, sep), key.substring(sep + 1));
            }
        }
    }

    public RouteTable(SharedMap<Boolean> map) {
        super(map);
    }

    @Override
    protected Routes newIndex() {
        return new Routes();
    }

    public static String key(String filter, String node) {
        return filter + RouteProcessors.SEP + node;
    }

    /** This node now has subscribers for the filter. */
    public CompletionStage<Void> add(String filter, String node) {
        return write(key(filter, node), Boolean.TRUE);
    }

    /** This node has no subscribers for the filter any more. */
    public CompletionStage<Boolean> remove(String filter, String node) {
        return delete(key(filter, node));
    }

    /** A route another node pushed to this one before its write's event arrives. */
    public void mirrorPut(String key) {
        apply(key, Boolean.TRUE);
    }

    /** Calls {@code sink} with each node that has a subscription matching the topic (a node may come twice). */
    public void match(String topic, Consumer<String> sink) {
        index().tree.match(topic, sink);
    }

    /** The same, for a topic already split into levels. */
    public void match(String[] levels, boolean dollarTopic, Consumer<String> sink) {
        index().tree.match(levels, dollarTopic, sink);
    }

    public int size() {
        return index().keys.size();
    }

    /** Forgets, in this node's index, every route of a node that left. */
    public void forgetNode(String node) {
        String suffix = RouteProcessors.SEP + node;
        for (String key : index().keys) {
            if (key.endsWith(suffix)) {
                apply(key, null);
            }
        }
    }

    /** The filters a node has routes for, in this node's index. */
    public Set<String> filtersOf(String node) {
        Set<String> out = new java.util.HashSet<>();
        String suffix = RouteProcessors.SEP + node;
        for (String key : index().keys) {
            if (key.endsWith(suffix)) {
                out.add(key.substring(0, key.length() - suffix.length()));
            }
        }
        return out;
    }

    /** Node ids that have routes in this node's index. */
    public Set<String> nodes() {
        Set<String> out = new java.util.HashSet<>();
        for (String key : index().keys) {
            out.add(RouteProcessors.nodeOf(key));
        }
        return out;
    }

    /** Deletes from the cluster map every route of nodes that are not live. Blocking; run on a worker. */
    public void purgeDeadNodes(Set<String> liveNodes) {
        // partition-wide, so backed up asynchronously: a route a second failure brings back is purged by the next sweep
        map().removeAll(new RouteProcessors.KeyNodeNotIn<>(liveNodes));
    }
}
