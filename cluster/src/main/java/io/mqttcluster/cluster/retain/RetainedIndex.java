package io.mqttcluster.cluster.retain;

import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.topic.Topics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Retained messages indexed by topic level, so a SUBSCRIBE with a wildcard filter finds its retained
 * messages by walking only the branches the filter can match instead of testing every retained topic.
 *
 * <p>This is the mirror image of {@code TopicTree}: there the tree holds filters and is searched with a
 * topic; here it holds topic names and is searched with a filter. For {@code sensors/+/temp} the walk
 * goes to {@code sensors}, then to every child (the {@code +}), then to a {@code temp} child of each; for
 * {@code sensors/#} it takes the {@code sensors} node and everything below it. A filter starting with a
 * wildcard skips top-level names starting with {@code $} [MQTT-4.7.2-1].
 *
 * <p>Thread-safe: writes are serialised by a lock, reads take none.
 */
public final class RetainedIndex {

    private final Node root = new Node(null, "");
    private final Object writeLock = new Object();
    private int size;

    /** Stores or replaces the retained message of its topic. */
    public void put(Message message) {
        String[] levels = Topics.levels(message.topic());
        synchronized (writeLock) {
            Node node = root;
            for (String level : levels) {
                Node parent = node;
                node = parent.children.computeIfAbsent(level, l -> new Node(parent, l));
            }
            if (node.message == null) {
                size++;
            }
            node.message = message;
        }
    }

    /** Clears the retained message of a topic. */
    public void remove(String topic) {
        String[] levels = Topics.levels(topic);
        synchronized (writeLock) {
            Node node = root;
            for (String level : levels) {
                node = node.children.get(level);
                if (node == null) {
                    return;
                }
            }
            if (node.message != null) {
                node.message = null;
                size--;
            }
            while (node.parent != null && node.message == null && node.children.isEmpty()) {
                node.parent.children.remove(node.level, node);
                node = node.parent;
            }
        }
    }

    /** Forgets every retained message. */
    public void clear() {
        synchronized (writeLock) {
            root.children.clear();
            root.message = null;
            size = 0;
        }
    }

    public Message get(String topic) {
        Node node = root;
        for (String level : Topics.levels(topic)) {
            node = node.children.get(level);
            if (node == null) {
                return null;
            }
        }
        return node.message;
    }

    public int size() {
        synchronized (writeLock) {
            return size;
        }
    }

    /** Calls {@code sink} for every retained message whose topic matches the filter. */
    public void match(String filter, Consumer<Message> sink) {
        match(root, Topics.levels(filter), 0, sink);
    }

    private void match(Node node, String[] levels, int i, Consumer<Message> sink) {
        if (i == levels.length) {
            Message m = node.message;
            if (m != null) {
                sink.accept(m);
            }
            return;
        }
        String level = levels[i];
        if (level.length() == 1 && level.charAt(0) == Topics.MULTI_LEVEL) {
            if (node != root) {
                Message m = node.message; // "a/#" matches "a"
                if (m != null) {
                    sink.accept(m);
                }
            }
            for (Node child : node.children.values()) {
                if (i == 0 && Topics.isDollarTopic(child.level)) {
                    continue;
                }
                all(child, sink);
            }
        } else if (level.length() == 1 && level.charAt(0) == Topics.SINGLE_LEVEL) {
            for (Node child : node.children.values()) {
                if (i == 0 && Topics.isDollarTopic(child.level)) {
                    continue;
                }
                match(child, levels, i + 1, sink);
            }
        } else {
            Node child = node.children.get(level);
            if (child != null) {
                match(child, levels, i + 1, sink);
            }
        }
    }

    private void all(Node node, Consumer<Message> sink) {
        Message m = node.message;
        if (m != null) {
            sink.accept(m);
        }
        for (Node child : node.children.values()) {
            all(child, sink);
        }
    }

    private static final class Node {
        final Node parent;
        final String level;
        final Map<String, Node> children = new ConcurrentHashMap<>(2);
        volatile Message message;

        Node(Node parent, String level) {
            this.parent = parent;
            this.level = level;
        }
    }
}
