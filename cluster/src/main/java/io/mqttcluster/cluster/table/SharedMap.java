package io.mqttcluster.cluster.table;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.query.Predicate;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The few operations the mirrored tables need of a cluster-wide map: the port between them and Hazelcast.
 * {@link HazelcastSharedMap} is the real one; {@link InMemorySharedMap} is its single-node twin, which runs the
 * same entry processors and predicates on a local map, so the code above it is tested without a member.
 *
 * <p>Entry processors and predicates are Hazelcast's interfaces: the rules are written once and run by either.
 *
 * @param <V> the value type; keys are strings
 */
public interface SharedMap<V> {

    /** Told of every change to an entry: its new value, or null when it was removed. */
    interface Listener<V> {
        void changed(String key, V value);
    }

    /** Starts telling {@code listener} of changes; returns what {@link #unlisten} takes. */
    Object listen(Listener<V> listener);

    void unlisten(Object registration);

    /** The whole map, read now. Blocking. */
    Iterable<Map.Entry<String, V>> entries();

    /** Blocking. */
    V get(String key);

    CompletionStage<Void> setAsync(String key, V value);

    CompletionStage<V> removeAsync(String key);

    /** Runs a processor on one entry, atomically with every other change to it. */
    <R> CompletionStage<R> submit(String key, EntryProcessor<String, V, R> processor);

    /** {@link #submit}, waiting for the result. Blocking. */
    <R> R execute(String key, EntryProcessor<String, V, R> processor);

    /** Removes every entry the predicate accepts. Blocking. */
    void removeAll(Predicate<String, V> predicate);

    /** Replaces the value only while it is still {@code expected}. Blocking. */
    boolean replace(String key, V expected, V value);

    /** Removes the entry only while its value is still {@code expected}. Blocking. */
    boolean remove(String key, V expected);
}
