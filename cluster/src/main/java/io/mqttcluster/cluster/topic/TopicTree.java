package io.mqttcluster.cluster.topic;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A wildcard index of topic filters: given a topic name, finds every value stored under a filter that
 * matches it, without looking at filters that cannot match.
 *
 * <p>The tree has one node per filter level. A node has named children, and at most one {@code +} child
 * and one {@code #} child. Storing {@code a/+/c}, {@code a/#} and {@code a/b/c} gives:
 * <pre>
 *   root ─ a ─┬─ + ─ c      {a/+/c}
 *             ├─ #          {a/#}
 *             └─ b ─ c      {a/b/c}
 * </pre>
 * Matching {@code a/b/c} walks level by level and follows, at each node, the child named like the
 * level, the {@code +} child, and collects the {@code #} child: three branches here, each a map lookup,
 * so the cost depends on the depth of the topic and on how many wildcard filters overlap it, not on how
 * many filters are stored. {@code a/#} also matches {@code a} itself (the parent level), and a filter that
 * starts with a wildcard does not match a topic that starts with {@code $} [MQTT-4.7.2-1].
 *
 * <p>Threads: any thread may match while another adds or removes. Reads take no lock: children and value
 * sets are concurrent maps, so a match running during a change sees the value or does not, never a broken
 * tree. Writes are serialised by one lock, which also makes pruning of empty branches safe.
 *
 * @param <T> the stored value; equal values under one filter are stored once
 */
public final class TopicTree<T> {

    private final Node<T> root = new Node<>(null, null);
    private final Object writeLock = new Object();
    private int entries;

    /**
     * Stores a value under a filter.
     *
     * @return true when the value was not stored under this filter before
     */
    public boolean add(String filter, T value) {
        String[] levels = Topics.levels(filter);
        synchronized (writeLock) {
            Node<T> node = root;
            for (String level : levels) {
                node = node.childForWrite(level);
            }
            boolean added = node.valuesForWrite().add(value);
            if (added) {
                entries++;
            }
            return added;
        }
    }

    /**
     * Removes a value from a filter and prunes branches left empty.
     *
     * @return true when the value was stored under this filter
     */
    public boolean remove(String filter, T value) {
        String[] levels = Topics.levels(filter);
        synchronized (writeLock) {
            Node<T> node = find(levels);
            if (node == null || node.values == null || !node.values.remove(value)) {
                return false;
            }
            entries--;
            prune(node);
            return true;
        }
    }

    /** True when at least one value is stored under exactly this filter. */
    public boolean hasValues(String filter) {
        Node<T> node = find(Topics.levels(filter));
        return node != null && node.values != null && !node.values.isEmpty();
    }

    /** True when this value is stored under exactly this filter. */
    public boolean contains(String filter, T value) {
        Node<T> node = find(Topics.levels(filter));
        return node != null && node.values != null && node.values.contains(value);
    }

    /** Number of (filter, value) pairs stored. */
    public int size() {
        synchronized (writeLock) {
            return entries;
        }
    }

    /**
     * Calls {@code sink} for every value stored under a filter matching the topic name. A value stored
     * under several matching filters is passed once per filter: callers that need one delivery per
     * subscriber merge them.
     */
    public void match(String topic, Consumer<? super T> sink) {
        match(Topics.levels(topic), Topics.isDollarTopic(topic), sink);
    }

    /**
     * The same, for a topic already split into levels (a publish is matched against several trees: split it
     * once).
     */
    public void match(String[] levels, boolean dollarTopic, Consumer<? super T> sink) {
        matchNode(root, levels, 0, dollarTopic, sink);
    }

    private void matchNode(Node<T> node, String[] levels, int i, boolean dollar, Consumer<? super T> sink) {
        if (i == levels.length) {
            emit(node.values, sink);
            Node<T> hash = node.hash;
            if (hash != null) {
                emit(hash.values, sink); // "a/#" matches "a"
            }
            return;
        }
        if (!(i == 0 && dollar)) {
            Node<T> hash = node.hash;
            if (hash != null) {
                emit(hash.values, sink);
            }
            Node<T> plus = node.plus;
            if (plus != null) {
                matchNode(plus, levels, i + 1, dollar, sink);
            }
        }
        Map<String, Node<T>> children = node.children;
        if (children != null) {
            Node<T> child = children.get(levels[i]);
            if (child != null) {
                matchNode(child, levels, i + 1, dollar, sink);
            }
        }
    }

    private static <T> void emit(Set<T> values, Consumer<? super T> sink) {
        if (values != null) {
            for (T value : values) {
                sink.accept(value);
            }
        }
    }

    private Node<T> find(String[] levels) {
        Node<T> node = root;
        for (String level : levels) {
            node = node.child(level);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    private void prune(Node<T> node) {
        while (node.parent != null && node.isEmpty()) {
            node.parent.removeChild(node);
            node = node.parent;
        }
    }

    /** One filter level. Written only under the tree's write lock; read by any thread. */
    private static final class Node<T> {
        final Node<T> parent;
        final String level;
        volatile Map<String, Node<T>> children;
        volatile Node<T> plus;
        volatile Node<T> hash;
        volatile Set<T> values;

        Node(Node<T> parent, String level) {
            this.parent = parent;
            this.level = level;
        }

        Node<T> child(String level) {
            if (level.length() == 1) {
                char c = level.charAt(0);
                if (c == Topics.SINGLE_LEVEL) {
                    return plus;
                }
                if (c == Topics.MULTI_LEVEL) {
                    return hash;
                }
            }
            Map<String, Node<T>> map = children;
            return map == null ? null : map.get(level);
        }

        Node<T> childForWrite(String level) {
            Node<T> existing = child(level);
            if (existing != null) {
                return existing;
            }
            Node<T> created = new Node<>(this, level);
            if (level.length() == 1 && level.charAt(0) == Topics.SINGLE_LEVEL) {
                plus = created;
            } else if (level.length() == 1 && level.charAt(0) == Topics.MULTI_LEVEL) {
                hash = created;
            } else {
                Map<String, Node<T>> map = children;
                if (map == null) {
                    map = new ConcurrentHashMap<>(4);
                    children = map;
                }
                map.put(level, created);
            }
            return created;
        }

        Set<T> valuesForWrite() {
            Set<T> set = values;
            if (set == null) {
                set = ConcurrentHashMap.newKeySet(2);
                values = set;
            }
            return set;
        }

        void removeChild(Node<T> child) {
            if (plus == child) {
                plus = null;
            } else if (hash == child) {
                hash = null;
            } else if (children != null) {
                children.remove(child.level, child);
                if (children.isEmpty()) {
                    children = null;
                }
            }
        }

        boolean isEmpty() {
            return (values == null || values.isEmpty()) && plus == null && hash == null
                    && (children == null || children.isEmpty());
        }
    }
}
