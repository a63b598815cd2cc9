package io.mqttcluster.cluster.util;

import java.util.Map;

/**
 * The entry an entry processor is handed by the in-memory twins of the cluster maps: what it sets (null removes,
 * as in Hazelcast) is written back by the caller when {@link #changed()}.
 */
public final class ProcessorEntry<V> implements Map.Entry<String, V> {

    private final String key;
    private V value;
    private boolean changed;

    public ProcessorEntry(String key, V value) {
        this.key = key;
        this.value = value;
    }

    @Override
    public String getKey() {
        return key;
    }

    @Override
    public V getValue() {
        return value;
    }

    @Override
    public V setValue(V v) {
        V old = value;
        value = v;
        changed = true;
        return old;
    }

    /** True when the processor set a value (possibly the same one, possibly null). */
    public boolean changed() {
        return changed;
    }
}
