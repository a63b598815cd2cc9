package io.mqttcluster.cluster.table;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.query.Predicate;
import io.mqttcluster.cluster.util.Stages;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * A {@link SharedMap} on a Hazelcast map. Changes are told through entry events (on Hazelcast's event threads,
 * in order per key, a few milliseconds after the write on other members); asynchronous results complete where
 * Hazelcast completes them ({@link Stages#direct}), and failures thrown by the call itself become failed stages.
 */
public final class HazelcastSharedMap<V> implements SharedMap<V> {

    private final IMap<String, V> map;

    public HazelcastSharedMap(IMap<String, V> map) {
        this.map = map;
    }

    @Override
    public Object listen(Listener<V> listener) {
        return map.addEntryListener(new Events<>(listener), true);
    }

    @Override
    public void unlisten(Object registration) {
        map.removeEntryListener((UUID) registration);
    }

    @Override
    public Iterable<Map.Entry<String, V>> entries() {
        return map.entrySet();
    }

    @Override
    public V get(String key) {
        return map.get(key);
    }

    @Override
    public CompletionStage<Void> setAsync(String key, V value) {
        return Stages.safe(() -> map.setAsync(key, value));
    }

    @Override
    public CompletionStage<V> removeAsync(String key) {
        return Stages.safe(() -> map.removeAsync(key));
    }

    @Override
    public <R> CompletionStage<R> submit(String key, EntryProcessor<String, V, R> processor) {
        return Stages.safe(() -> map.submitToKey(key, processor));
    }

    @Override
    public <R> R execute(String key, EntryProcessor<String, V, R> processor) {
        return map.executeOnKey(key, processor);
    }

    @Override
    public void removeAll(Predicate<String, V> predicate) {
        map.removeAll(predicate);
    }

    @Override
    public boolean replace(String key, V expected, V value) {
        return map.replace(key, expected, value);
    }

    @Override
    public boolean remove(String key, V expected) {
        return map.remove(key, expected);
    }

    private record Events<V>(Listener<V> listener) implements EntryAddedListener<String, V>, EntryUpdatedListener<String, V>,
            EntryRemovedListener<String, V>, EntryMergedListener<String, V> {
        @Override
        public void entryAdded(EntryEvent<String, V> event) {
            listener.changed(event.getKey(), event.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, V> event) {
            listener.changed(event.getKey(), event.getValue());
        }

        @Override
        public void entryRemoved(EntryEvent<String, V> event) {
            listener.changed(event.getKey(), null);
        }

        @Override
        public void entryMerged(EntryEvent<String, V> event) {
            listener.changed(event.getKey(), event.getValue());
        }
    }
}
