package io.mqttcluster.broker.pubsub;

import io.mqttcluster.cluster.topic.TopicTree;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Shared subscription groups ({@code $share/group/filter}) with members on this node: each matching
 * message goes to one member, chosen by the configured strategy.
 *
 * <p>Thread-safe: members are added and removed under a lock; picking reads a copy-on-write list.
 */
public final class SharedGroups {

    /** One group: the members subscribed with the same share name and filter. */
    public static final class Group {
        final String key;
        final String group;
        final String filter;
        final List<Subscription> members = new CopyOnWriteArrayList<>();
        final AtomicInteger next = new AtomicInteger();

        Group(String key, String group, String filter) {
            this.key = key;
            this.group = group;
            this.filter = filter;
        }

        public String key() {
            return key;
        }

        public String group() {
            return group;
        }

        /** A member whose connection is not {@code except} (may be null), or null when there is none. */
        public Subscription pick(String strategy, String publisherId, Object except) {
            List<Subscription> snapshot = members;
            int n = snapshot.size();
            if (n == 0 || (n == 1 && snapshot.get(0).channel() == except)) {
                return null;
            }
            for (int attempt = 0; attempt < n; attempt++) {
                int i = switch (strategy) {
                    case "random" -> ThreadLocalRandom.current().nextInt(n);
                    case "hash_clientid" -> Math.floorMod(stableHash(publisherId) + attempt, n);
                    default -> Math.floorMod(next.getAndIncrement(), n); // round_robin, local_first
                };
                Subscription s = snapshot.get(Math.min(i, snapshot.size() - 1));
                if (s.channel() != except) {
                    return s;
                }
            }
            return null;
        }
    }

    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private final TopicTree<Group> tree = new TopicTree<>();

    public synchronized void add(Subscription s) {
        Group g = groups.computeIfAbsent(s.filter(), k -> {
            Group created = new Group(k, s.shareGroup(), s.topicFilter());
            tree.add(created.filter, created);
            return created;
        });
        g.members.add(s);
    }

    public synchronized void remove(Subscription s) {
        Group g = groups.get(s.filter());
        if (g == null) {
            return;
        }
        g.members.remove(s);
        if (g.members.isEmpty()) {
            groups.remove(s.filter());
            tree.remove(g.filter, g);
        }
    }

    /** The group of a shared subscription filter ({@code $share/g/f}), or null. */
    public Group get(String subscriptionFilter) {
        return groups.get(subscriptionFilter);
    }

    public void match(String topic, Consumer<Group> sink) {
        tree.match(topic, sink);
    }

    public int groupCount() {
        return groups.size();
    }

    /** FNV-1a over UTF-8: stable across processes and Java versions, unlike String.hashCode. */
    static int stableHash(String s) {
        if (s == null) {
            return 0;
        }
        int h = 0x811c9dc5;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return h;
    }
}
