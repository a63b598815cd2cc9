package io.mqttcluster.cluster.route;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * A cluster map that every node mirrors into its own local index, so lookups never leave the node.
 *
 * <p>Changes reach the mirror through Hazelcast entry events: on the member's event threads, in order per
 * key, a few milliseconds after the write on other members. Writers that need their own change visible at
 * once apply it locally too ({@link Mirror} calls must be idempotent). {@link #start()} registers the
 * listener before it reads what is already there, so no change falls between the two; an event and the
 * initial read may both deliver the same entry, which idempotent mirrors absorb.
 *
 * @param <V> the value type
 */
public final class MirroredMap<V> {

    /** Receives changes. Called on Hazelcast threads: implementations are thread-safe and do not block. */
    public interface Mirror<V> {
        void mirrorPut(String key, V value);

        void mirrorRemove(String key, V oldValue);

        /** Forgets everything (before a reload). */
        void mirrorClear();
    }

    private final IMap<String, V> map;
    private final Mirror<V> mirror;
    private UUID listenerId;

    public MirroredMap(IMap<String, V> map, Mirror<V> mirror) {
        this.map = map;
        this.mirror = mirror;
    }

    /** Starts mirroring. Blocking (reads the whole map once): call it while the node starts. */
    public void start() {
        listenerId = map.addEntryListener(new Listener(), true);
        for (Map.Entry<String, V> e : map.entrySet()) {
            mirror.mirrorPut(e.getKey(), e.getValue());
        }
    }

    /**
     * Reads the whole map again. After a split brain heals, changes made on the other side while this node
     * was apart never reached its listener; the merged map is the truth. Blocking.
     */
    public void reload() {
        mirror.mirrorClear();
        for (Map.Entry<String, V> e : map.entrySet()) {
            mirror.mirrorPut(e.getKey(), e.getValue());
        }
    }

    public void stop() {
        if (listenerId != null) {
            map.removeEntryListener(listenerId);
            listenerId = null;
        }
    }

    public CompletionStage<Void> put(String key, V value) {
        try {
            return io.mqttcluster.cluster.session.SessionStore.direct(map.setAsync(key, value));
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedStage(e);
        }
    }

    public CompletionStage<V> remove(String key) {
        try {
            return io.mqttcluster.cluster.session.SessionStore.direct(map.removeAsync(key));
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedStage(e);
        }
    }

    public IMap<String, V> map() {
        return map;
    }

    private final class Listener implements EntryAddedListener<String, V>, EntryUpdatedListener<String, V>,
            EntryRemovedListener<String, V> {
        @Override
        public void entryAdded(EntryEvent<String, V> event) {
            mirror.mirrorPut(event.getKey(), event.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, V> event) {
            mirror.mirrorPut(event.getKey(), event.getValue());
        }

        @Override
        public void entryRemoved(EntryEvent<String, V> event) {
            mirror.mirrorRemove(event.getKey(), event.getOldValue());
        }
    }
}
