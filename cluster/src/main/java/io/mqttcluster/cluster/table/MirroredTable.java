package io.mqttcluster.cluster.table;

import com.hazelcast.map.EntryProcessor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A cluster map that every node mirrors into a local index, so lookups on the publish path never leave
 * the node. The base of the route table, the durable subscriptions, the shared groups and the retained
 * messages: start, stop, writes and rebuilds are done here once; each table only says what its index is.
 *
 * <p><b>Keeping the index current.</b> Changes reach it through the map's listener (with Hazelcast: entry events on
 * event threads, in order per key, a few milliseconds after the write on other members). A writer applies its own change
 * locally at once too, so index updates must be idempotent. {@link #start()} registers the listener
 * before it reads what is already there, so no change falls between the two.
 *
 * <p><b>Rebuilding.</b> After a split brain heals, changes made on the other side never reached this
 * node's listener: the merged map is the truth. {@link #rebuild()} reads it into a <em>new</em> index while
 * the old one keeps serving, collects the events that arrive meanwhile, replays them onto the new index in
 * order (what the read already showed is applied again, harmlessly) and swaps it in. Lookups never see an
 * empty or half-built index.
 *
 * <p>Thread-safe: index writes are serialised by a lock; lookups read the current index without one.
 *
 * @param <V> the map's value type
 * @param <I> the index type
 */
public abstract class MirroredTable<V, I extends MirroredTable.Index<V>> {

    /** A local index of the map. Writes are serialised by the table; reads may run concurrently with them. */
    public interface Index<V> {
        void put(String key, V value);

        void remove(String key);
    }

    private final SharedMap<V> map;
    private final Object lock = new Object();
    private volatile I index;
    /** Changes seen while a rebuild reads the map: key and value (null: removed). Guarded by lock. */
    private List<Map.Entry<String, V>> duringRebuild;
    private Object listenerId;

    protected MirroredTable(SharedMap<V> map) {
        this.map = map;
        this.index = newIndex();
    }

    /** A new, empty index. */
    protected abstract I newIndex();

    /** The index lookups use now. */
    protected final I index() {
        return index;
    }

    /** Starts mirroring. Blocking (reads the whole map once): call it while the node starts. */
    public void start() {
        listenerId = map.listen(this::apply);
        for (Map.Entry<String, V> e : map.entries()) {
            apply(e.getKey(), e.getValue());
        }
    }

    public void stop() {
        if (listenerId != null) {
            map.unlisten(listenerId);
            listenerId = null;
        }
    }

    /** Reads the whole map into a new index and swaps it in (see the class comment). Blocking. */
    public void rebuild() {
        synchronized (lock) {
            duringRebuild = new ArrayList<>();
        }
        I fresh = newIndex();
        try {
            for (Map.Entry<String, V> e : map.entries()) {
                fresh.put(e.getKey(), e.getValue());
            }
        } catch (RuntimeException e) {
            synchronized (lock) {
                duringRebuild = null;
            }
            throw e;
        }
        synchronized (lock) {
            for (Map.Entry<String, V> change : duringRebuild) {
                if (change.getValue() == null) {
                    fresh.remove(change.getKey());
                } else {
                    fresh.put(change.getKey(), change.getValue());
                }
            }
            duringRebuild = null;
            index = fresh;
        }
    }

    /** Applies a change to the index (and to a rebuild in progress); {@code value} null removes. */
    protected final void apply(String key, V value) {
        synchronized (lock) {
            if (value == null) {
                index.remove(key);
            } else {
                index.put(key, value);
            }
            if (duringRebuild != null) {
                duringRebuild.add(new java.util.AbstractMap.SimpleImmutableEntry<>(key, value));
            }
        }
    }

    /** Writes an entry: applied here at once, on other nodes when the event arrives. */
    protected final CompletionStage<Void> write(String key, V value) {
        apply(key, value);
        return map.setAsync(key, value);
    }

    /** Deletes an entry: applied here at once, on other nodes when the event arrives. */
    protected final CompletionStage<V> delete(String key) {
        apply(key, null);
        return map.removeAsync(key);
    }

    /** Runs a processor on one entry of the map (the index follows through the event). */
    protected final <R> CompletionStage<R> execute(String key, EntryProcessor<String, V, R> processor) {
        return map.submit(key, processor);
    }

    /** The cluster map, for maintenance that runs on a worker (purges after a node died). */
    protected final SharedMap<V> map() {
        return map;
    }
}
