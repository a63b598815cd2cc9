package io.mqttcluster.cluster.route;

import com.hazelcast.map.IMap;
import io.mqttcluster.cluster.session.SubOptions;
import io.mqttcluster.cluster.topic.TopicTree;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The QoS 1/2 subscriptions of persistent sessions, cluster-wide, mirrored on every node.
 *
 * <p>A QoS 1/2 publish must be stored for every persistent session it matches before it is acknowledged,
 * whether that session is connected here, on another node, or nowhere. The node that receives the publish
 * finds those sessions in its own mirror (a {@link TopicTree}), so the lookup costs no network round trip;
 * it then queues the message for all of them in one call to the session store.
 *
 * <p>Map: {@code clientId NUL filter -> packed SubOptions}. Thread-safe: the mirror is changed under a
 * lock by Hazelcast event threads and by local writers; matching takes no lock.
 */
public final class DurableSubscriptions implements MirroredMap.Mirror<Long> {

    public static final String MAP_NAME = "mqtt.dsubs";

    /** One persistent session's subscription. */
    public record DurableSub(String clientId, String filter, SubOptions options) {
    }

    private final TopicTree<DurableSub> tree = new TopicTree<>();
    private final Map<String, DurableSub> byKey = new ConcurrentHashMap<>();
    private final MirroredMap<Long> table;

    public DurableSubscriptions(IMap<String, Long> map) {
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
        for (String key : byKey.keySet()) {
            unmirror(key);
        }
    }

    /** Adds or replaces a subscription; visible on this node at once, on others when the event arrives. */
    public CompletionStage<Void> add(String clientId, String filter, SubOptions options) {
        String key = key(clientId, filter);
        long packed = pack(options);
        mirrorPut(key, packed);
        return table.put(key, packed);
    }

    public CompletionStage<Long> remove(String clientId, String filter) {
        String key = key(clientId, filter);
        unmirror(key);
        return table.remove(key);
    }

    /** Calls {@code sink} for every persistent-session subscription matching the topic. */
    public void match(String topic, Consumer<DurableSub> sink) {
        tree.match(topic, sink);
    }

    /** The same, for a topic already split into levels. */
    public void match(String[] levels, boolean dollarTopic, Consumer<DurableSub> sink) {
        tree.match(levels, dollarTopic, sink);
    }

    public int size() {
        return byKey.size();
    }

    @Override
    public synchronized void mirrorPut(String key, Long packed) {
        int sep = key.indexOf(RouteProcessors.SEP);
        DurableSub sub = new DurableSub(key.substring(0, sep), key.substring(sep + 1), unpack(packed));
        DurableSub old = byKey.put(key, sub);
        if (old != null && !old.equals(sub)) {
            tree.remove(old.filter(), old);
        }
        tree.add(sub.filter(), sub);
    }

    @Override
    public void mirrorRemove(String key, Long oldValue) {
        unmirror(key);
    }

    private synchronized void unmirror(String key) {
        DurableSub old = byKey.remove(key);
        if (old != null) {
            tree.remove(old.filter(), old);
        }
    }

    public static String key(String clientId, String filter) {
        return clientId + RouteProcessors.SEP + filter;
    }

    public static long pack(SubOptions o) {
        long flags = o.qos() | (o.noLocal() ? 0x04 : 0) | (o.retainAsPublished() ? 0x08 : 0) | ((long) o.retainHandling() << 4);
        return (flags << 32) | (o.subscriptionId() & 0xFFFFFFFFL);
    }

    static SubOptions unpack(long packed) {
        int flags = (int) (packed >>> 32);
        return new SubOptions(flags & 0x03, (flags & 0x04) != 0, (flags & 0x08) != 0, (flags >> 4) & 0x03, (int) packed);
    }
}
