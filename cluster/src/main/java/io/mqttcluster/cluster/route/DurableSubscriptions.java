package io.mqttcluster.cluster.route;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.session.SubOptions;
import io.mqttcluster.cluster.topic.TopicTree;
import io.mqttcluster.cluster.table.MirroredTable;
import io.mqttcluster.cluster.table.SharedMap;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The QoS 1/2 subscriptions of persistent sessions, cluster-wide, mirrored on every node.
 *
 * <p>A QoS 1/2 publish must be stored for every persistent session it matches before it is acknowledged,
 * whether that session is connected here, on another node, or nowhere. The node that receives the publish
 * finds those sessions in its own index (a {@link TopicTree}), so the lookup costs no network round trip;
 * it then queues the message for all of them in one call to the session store.
 *
 * <p>Map: {@code clientId NUL filter -> {packed SubOptions, session uid}}. The session uid names the
 * incarnation of the session that subscribed, so cleaning up after an ended session (clean start,
 * expiry) never removes what a newer session under the same client id subscribed. Thread-safe.
 */
public final class DurableSubscriptions extends MirroredTable<long[], DurableSubscriptions.Subs> {

    public static final String MAP_NAME = "mqtt.dsubs";

    /** One persistent session's subscription. */
    public record DurableSub(String clientId, String filter, SubOptions options, long sessionUid) {
    }

    /** The index: subscriptions by key, and the tree of filter -> subscription. */
    static final class Subs implements MirroredTable.Index<long[]> {
        final TopicTree<DurableSub> tree = new TopicTree<>();
        final Map<String, DurableSub> byKey = new ConcurrentHashMap<>();

        @Override
        public void put(String key, long[] value) {
            int sep = key.indexOf(RouteProcessors.SEP);
            DurableSub sub = new DurableSub(key.substring(0, sep), key.substring(sep + 1), unpack(value[0]), value[1]);
            DurableSub old = byKey.put(key, sub);
            if (old != null && !old.equals(sub)) {
                tree.remove(old.filter(), old);
            }
            tree.add(sub.filter(), sub);
        }

        @Override
        public void remove(String key) {
            DurableSub old = byKey.remove(key);
            if (old != null) {
                tree.remove(old.filter(), old);
            }
        }
    }

    public DurableSubscriptions(SharedMap<long[]> map) {
        super(map);
    }

    @Override
    protected Subs newIndex() {
        return new Subs();
    }

    /**
     * Adds or replaces a subscription of the session incarnation {@code sessionUid}; visible on this node at
     * once, on others when the event arrives.
     */
    public CompletionStage<Void> add(String clientId, String filter, SubOptions options, long sessionUid) {
        return write(key(clientId, filter), value(options, sessionUid));
    }

    /**
     * Removes a subscription if it still belongs to the session incarnation {@code sessionUid}: a newer
     * session under the same client id (after a clean start or an expiry) keeps its own.
     */
    public CompletionStage<Object> remove(String clientId, String filter, long sessionUid) {
        String key = key(clientId, filter);
        DurableSub mine = index().byKey.get(key);
        if (mine != null && mine.sessionUid() == sessionUid) {
            apply(key, null);
        }
        return execute(key, new RemoveIfSession(sessionUid));
    }

    /** A subscription another node pushed to this one before its write's event arrives. */
    public void mirrorPut(String key, long[] value) {
        apply(key, value);
    }

    /** The value stored for a subscription: packed options and the session incarnation. */
    public static long[] value(SubOptions options, long sessionUid) {
        return new long[]{pack(options), sessionUid};
    }

    /** Calls {@code sink} for every persistent-session subscription matching the topic. */
    public void match(String topic, Consumer<DurableSub> sink) {
        index().tree.match(topic, sink);
    }

    /** The same, for a topic already split into levels. */
    public void match(String[] levels, boolean dollarTopic, Consumer<DurableSub> sink) {
        index().tree.match(levels, dollarTopic, sink);
    }

    public int size() {
        return index().byKey.size();
    }

    /** Calls {@code sink} with every persistent-session subscription this node's mirror holds. */
    public void forEach(Consumer<DurableSub> sink) {
        index().byKey.values().forEach(sink);
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

    /** Deletes a subscription entry only if it belongs to the given session incarnation. */
    public static final class RemoveIfSession implements EntryProcessor<String, long[], Object>, IdentifiedDataSerializable {
        private long sessionUid;

        public RemoveIfSession() {
        }

        public RemoveIfSession(long sessionUid) {
            this.sessionUid = sessionUid;
        }

        @Override
        public Object process(Map.Entry<String, long[]> entry) {
            long[] v = entry.getValue();
            if (v != null && v[1] == sessionUid) {
                entry.setValue(null);
            }
            return null;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeLong(sessionUid);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            sessionUid = in.readLong();
        }

        @Override
        public int getFactoryId() {
            return SerializationIds.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return SerializationIds.DURABLE_REMOVE_IF_SESSION;
        }
    }
}
