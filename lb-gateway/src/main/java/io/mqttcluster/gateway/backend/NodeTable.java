package io.mqttcluster.gateway.backend;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nodes the gateway knows, by key. Written by the control event loop (the node monitor);
 * read by every event loop. {@link #candidates()} is an immutable snapshot, replaced whenever a
 * node changes, so the hot path reads one volatile field.
 */
public final class NodeTable {
    private final Map<String, BackendNode> nodes = new ConcurrentHashMap<>();
    private volatile List<BackendNode> candidates = List.of();

    /** Nodes that accept new clients (UP, listed), sorted by key. */
    public List<BackendNode> candidates() {
        return candidates;
    }

    /** Every known node, sorted by key. */
    public List<BackendNode> all() {
        List<BackendNode> out = new ArrayList<>(nodes.values());
        out.sort(Comparator.comparing(BackendNode::key));
        return out;
    }

    public BackendNode get(String key) {
        return nodes.get(key);
    }

    public Collection<String> keys() {
        return List.copyOf(nodes.keySet());
    }

    // control event loop only
    void put(BackendNode node) {
        nodes.put(node.key(), node);
        refresh();
    }

    void remove(BackendNode node) {
        nodes.remove(node.key(), node);
        refresh();
    }

    void refresh() {
        List<BackendNode> c = new ArrayList<>();
        for (BackendNode n : nodes.values()) {
            if (n.acceptsNewClients()) {
                c.add(n);
            }
        }
        c.sort(Comparator.comparing(BackendNode::key));
        candidates = List.copyOf(c);
    }
}
