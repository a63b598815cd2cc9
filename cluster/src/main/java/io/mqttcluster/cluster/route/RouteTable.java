package io.mqttcluster.cluster.route;

import com.hazelcast.map.IMap;
import io.mqttcluster.cluster.topic.TopicTree;

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
 * <p>Map: {@code filter NUL nodeId -> true}. Thread-safe: mirror changes are serialised; matching takes
 * no lock.
 */
public final class RouteTable implements MirroredMap.Mirror<Boolean> {

    public static final String MAP_NAME = "mqtt.routes";

    private final TopicTree<String> tree = new TopicTree<>();
    private final Set<String> keys = ConcurrentHashMap.newKeySet();
    private final MirroredMap<Boolean> table;

    public RouteTable(IMap<String, Boolean> map) {
        this.table = new MirroredMap<>(map, this);
    }

    public void start() {
        table.start();
    }

    public void stop() {
        table.stop();
    }

    public void reload() {
        table.reload();
    }

    @Override
    public synchronized void mirrorClear() {
        for (String key : keys) {
            mirrorRemove(key, null);
        }
    }

    public static String key(String filter, String node) {
        return filter + RouteProcessors.SEP + node;
    }

    /** This node now has subscribers for the filter. */
    public CompletionStage<Void> add(String filter, String node) {
        String key = key(filter, node);
        mirrorPut(key, Boolean.TRUE);
        return table.put(key, Boolean.TRUE);
    }

    /** This node has no subscribers for the filter any more. */
    public CompletionStage<Boolean> remove(String filter, String node) {
        String key = key(filter, node);
        mirrorRemove(key, null);
        return table.remove(key);
    }

    /** Calls {@code sink} with each node that has a subscription matching the topic (a node may come twice). */
    public void match(String topic, Consumer<String> sink) {
        tree.match(topic, sink);
    }

    /** The same, for a topic already split into levels. */
    public void match(String[] levels, boolean dollarTopic, Consumer<String> sink) {
        tree.match(levels, dollarTopic, sink);
    }

    public int size() {
        return keys.size();
    }

    /** Forgets, in this node's mirror, every route of a node that left. */
    public synchronized void forgetNode(String node) {
        String suffix = RouteProcessors.SEP + node;
        for (String key : keys) {
            if (key.endsWith(suffix)) {
                mirrorRemove(key, null);
            }
        }
    }

    /** Deletes from the cluster map every route of nodes that are not live. Blocking; run on a worker. */
    public void purgeDeadNodes(Set<String> liveNodes) {
        table.map().removeAll(new RouteProcessors.KeyNodeNotIn<>(liveNodes));
    }

    @Override
    public synchronized void mirrorPut(String key, Boolean value) {
        if (keys.add(key)) {
            int sep = key.lastIndexOf(RouteProcessors.SEP);
            tree.add(key.substring(0, sep), key.substring(sep + 1));
        }
    }

    @Override
    public synchronized void mirrorRemove(String key, Boolean oldValue) {
        if (keys.remove(key)) {
            int sep = key.lastIndexOf(RouteProcessors.SEP);
            tree.remove(key.substring(0, sep), key.substring(sep + 1));
        }
    }
}
