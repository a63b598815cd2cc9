package io.mqttcluster.cluster.table;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.query.Predicate;
import io.mqttcluster.cluster.util.ProcessorEntry;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The single-node twin of {@link HazelcastSharedMap}: a local map that runs the same entry processors and
 * predicates, for tests of the code above the tables without a Hazelcast member. Every change is made under one
 * lock and told to the listeners on the writer's thread before the call returns (Hazelcast tells them a little
 * later, on its event threads: code that is right there is right here). Results are already complete.
 *
 * <p>Values are shared, not copied as Hazelcast's binary format would: the tables' values are immutable.
 */
public final class InMemorySharedMap<V> implements SharedMap<V> {

    private final Map<String, V> map = new ConcurrentHashMap<>();
    private final List<Listener<V>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public Object listen(Listener<V> listener) {
        listeners.add(listener);
        return listener;
    }

    @Override
    public void unlisten(Object registration) {
        listeners.remove(registration);
    }

    @Override
    public Iterable<Map.Entry<String, V>> entries() {
        List<Map.Entry<String, V>> copy = new ArrayList<>();
        map.forEach((k, v) -> copy.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
        return copy;
    }

    @Override
    public V get(String key) {
        return map.get(key);
    }

    @Override
    public CompletionStage<Void> setAsync(String key, V value) {
        set(key, value);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<V> removeAsync(String key) {
        synchronized (this) {
            V old = map.remove(key);
            if (old != null) {
                tell(key, null);
            }
            return CompletableFuture.completedFuture(old);
        }
    }

    @Override
    public <R> CompletionStage<R> submit(String key, EntryProcessor<String, V, R> processor) {
        try {
            return CompletableFuture.completedFuture(execute(key, processor));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public synchronized <R> R execute(String key, EntryProcessor<String, V, R> processor) {
        ProcessorEntry<V> entry = new ProcessorEntry<>(key, map.get(key));
        R result = processor.process(entry);
        if (entry.changed()) {
            set(key, entry.getValue());
        }
        return result;
    }

    @Override
    public synchronized void removeAll(Predicate<String, V> predicate) {
        for (Map.Entry<String, V> e : entries()) {
            if (predicate.apply(e)) {
                map.remove(e.getKey());
                tell(e.getKey(), null);
            }
        }
    }

    @Override
    public synchronized boolean replace(String key, V expected, V value) {
        if (!Objects.equals(map.get(key), expected)) {
            return false;
        }
        set(key, value);
        return true;
    }

    @Override
    public synchronized boolean remove(String key, V expected) {
        if (!Objects.equals(map.get(key), expected)) {
            return false;
        }
        map.remove(key);
        tell(key, null);
        return true;
    }

    private synchronized void set(String key, V value) {
        if (value == null) {
            if (map.remove(key) != null) {
                tell(key, null);
            }
        } else {
            map.put(key, value);
            tell(key, value);
        }
    }

    private void tell(String key, V value) {
        for (Listener<V> l : listeners) {
            l.changed(key, value);
        }
    }
}
