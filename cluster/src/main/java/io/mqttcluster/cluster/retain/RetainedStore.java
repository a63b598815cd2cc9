package io.mqttcluster.cluster.retain;

import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.table.MirroredTable;
import io.mqttcluster.cluster.table.SharedMap;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Retained messages: the last retained message per topic, in a cluster map (synchronous backup) mirrored
 * into a {@link RetainedIndex} on every node. A retained publish is applied to this node's index at once
 * and to the others' when the map event arrives; an empty payload clears the topic [MQTT-3.3.1-10].
 *
 * <p>Thread-safe.
 */
public final class RetainedStore extends MirroredTable<Message, RetainedStore.ByTopic> {

    public static final String MAP_NAME = "mqtt.retained";

    /** The index: a {@link RetainedIndex} keyed by the message's topic. */
    static final class ByTopic implements MirroredTable.Index<Message> {
        final RetainedIndex index = new RetainedIndex();

        @Override
        public void put(String key, Message value) {
            index.put(value);
        }

        @Override
        public void remove(String key) {
            index.remove(key);
        }
    }

    public RetainedStore(SharedMap<Message> map) {
        super(map);
    }

    @Override
    protected ByTopic newIndex() {
        return new ByTopic();
    }

    /** Stores, or with an empty payload clears, the retained message of the message's topic. */
    public CompletionStage<?> retain(Message message) {
        if (message.payload().length == 0) {
            return delete(message.topic());
        }
        return write(message.topic(), message);
    }

    public void match(String filter, Consumer<Message> sink) {
        index().index.match(filter, sink);
    }

    public Message get(String topic) {
        return index().index.get(topic);
    }

    public int size() {
        return index().index.size();
    }
}
