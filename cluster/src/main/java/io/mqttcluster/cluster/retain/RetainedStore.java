package io.mqttcluster.cluster.retain;

import com.hazelcast.map.IMap;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.route.MirroredMap;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Retained messages: the last retained message per topic, in a cluster map (synchronous backup) mirrored
 * into a {@link RetainedIndex} on every node. A retained publish is applied to this node's index at once
 * and to the others' when the map event arrives; an empty payload clears the topic [MQTT-3.3.1-10].
 *
 * <p>Thread-safe.
 */
public final class RetainedStore implements MirroredMap.Mirror<Message> {

    public static final String MAP_NAME = "mqtt.retained";

    private final RetainedIndex index = new RetainedIndex();
    private final MirroredMap<Message> table;

    public RetainedStore(IMap<String, Message> map) {
        this.table = new MirroredMap<>(map, this);
    }

    /** Loads and starts mirroring. Blocking. */
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
    public void mirrorClear() {
        index.clear();
    }

    /** Stores, or with an empty payload clears, the retained message of the message's topic. */
    public CompletionStage<?> retain(Message message) {
        if (message.payload().length == 0) {
            index.remove(message.topic());
            return table.remove(message.topic());
        }
        index.put(message);
        return table.put(message.topic(), message);
    }

    public void match(String filter, Consumer<Message> sink) {
        index.match(filter, sink);
    }

    public Message get(String topic) {
        return index.get(topic);
    }

    public int size() {
        return index.size();
    }

    @Override
    public void mirrorPut(String key, Message value) {
        index.put(value);
    }

    @Override
    public void mirrorRemove(String key, Message oldValue) {
        index.remove(key);
    }
}
