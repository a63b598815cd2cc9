package io.mqttcluster.cluster.route;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;
import io.mqttcluster.cluster.topic.SharedSubscription;
import io.mqttcluster.cluster.topic.TopicLimits;
import io.mqttcluster.cluster.topic.TopicTree;
import io.mqttcluster.cluster.table.MirroredTable;
import io.mqttcluster.cluster.table.SharedMap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Shared subscription groups ({@code $share/group/filter}) and their online members across the cluster,
 * mirrored on every node, so the node that receives a publish picks the one member of each matching group
 * that gets it, wherever that member is connected.
 *
 * <p>Map: {@code $share/group/filter NUL clientId -> nodeId NUL grantedQos NUL persistent}. A member is
 * in the table while it is connected. A persistent member with a QoS 1/2 subscription stays when its connection
 * ends (its node died, or it went away), offline (an empty node id), until it connects again, unsubscribes or its
 * session ends, since its session still subscribes: messages are picked for online members first, and for an
 * offline persistent member (a stored copy it gets when it comes back) only when no member is online, so a group
 * whose members are all away for a moment still takes what is acknowledged for it.
 *
 * <p>Strategies: {@code round_robin} (default; per picking node), {@code random}, {@code hash_clientid}
 * (the publisher's client id decides, so one publisher's messages stay with one member while the
 * membership is stable) and {@code local_first} (members on the picking node first, round robin).
 *
 * <p>Thread-safe.
 */
public final class SharedGroups extends MirroredTable<String, SharedGroups.Groups> {

    public static final String MAP_NAME = "mqtt.shared";

    /** A member of a group: connected to {@code node}, or offline (persistent, its node died) with an empty node. */
    public record Member(String clientId, String node, int qos, boolean persistent) {
        public boolean online() {
            return !node.isEmpty();
        }

        /** Can take a stored copy while offline. */
        boolean storable() {
            return persistent && qos >= 1;
        }
    }

    /** The node id of an offline persistent member. */
    public static final String OFFLINE = "";

    /** One group: its key ({@code $share/g/f}) and its members. */
    public static final class Group {
        final String key;
        final String filter;
        volatile List<Member> members = List.of();
        final AtomicInteger next = new AtomicInteger();

        Group(String key, String filter) {
            this.key = key;
            this.filter = filter;
        }

        public String key() {
            return key;
        }

        public List<Member> members() {
            return members;
        }

        /**
         * The member a QoS 2 message goes to, by its id: the same member on every node while the group is the
         * same, so a message re-sent by its publisher after a crash and routed again goes where its first copy
         * went (and is recognised there) instead of to a second member. Null when there is none.
         */
        public Member pickFor(long idHigh, long idLow) {
            List<Member> candidates = candidates(null, true);
            if (candidates.isEmpty()) {
                return null;
            }
            List<Member> sorted = candidates.stream().sorted(java.util.Comparator.comparing(Member::clientId)).toList();
            long h = idHigh * 0x9E3779B97F4A7C15L ^ idLow * 0xC2B2AE3D27D4EB4FL;
            return sorted.get((int) Math.floorMod(h ^ (h >>> 31), (long) sorted.size()));
        }

        /**
         * The online members but {@code exceptClientId}; when there are none and {@code stored} (the message is
         * QoS 1 or 2), the offline persistent ones that can take a stored copy.
         */
        private List<Member> candidates(String exceptClientId, boolean stored) {
            List<Member> all = members;
            List<Member> online = new ArrayList<>(all.size());
            for (Member m : all) {
                if (m.online() && !m.clientId().equals(exceptClientId)) {
                    online.add(m);
                }
            }
            if (!online.isEmpty() || !stored) {
                return online;
            }
            List<Member> offline = new ArrayList<>(2);
            for (Member m : all) {
                if (!m.online() && m.storable() && !m.clientId().equals(exceptClientId)) {
                    offline.add(m);
                }
            }
            return offline;
        }

        /**
         * The member that gets the next message, never {@code exceptClientId}; null when there is none. An offline
         * persistent member only when no member is online and {@code stored} (the message is QoS 1 or 2).
         */
        public Member pick(String strategy, String publisherId, String localNode, String exceptClientId, boolean stored) {
            List<Member> all = candidates(exceptClientId, stored);
            if (all.isEmpty()) {
                return null;
            }
            List<Member> candidates = all;
            if ("local_first".equals(strategy)) {
                List<Member> local = all.stream().filter(m -> m.node().equals(localNode)).toList();
                if (!local.isEmpty()) {
                    candidates = local;
                }
            }
            int n = candidates.size();
            int i = switch (strategy) {
                case "random" -> ThreadLocalRandom.current().nextInt(n);
                case "hash_clientid" -> Math.floorMod(stableHash(publisherId), n);
                default -> Math.floorMod(next.getAndIncrement(), n);
            };
            return candidates.get(i);
        }
    }

    /** The index: groups by subscription filter, and the tree of filter -> group. */
    static final class Groups implements MirroredTable.Index<String> {
        final Map<String, Group> groups = new ConcurrentHashMap<>();
        final TopicTree<Group> tree = new TopicTree<>();

        @Override
        public void put(String key, String value) {
            int sep = key.lastIndexOf(RouteProcessors.SEP);
            String subscriptionFilter = key.substring(0, sep);
            String clientId = key.substring(sep + 1);
            String[] parts = value.split(String.valueOf(RouteProcessors.SEP), -1);
            Member member = new Member(clientId, parts[0], Integer.parseInt(parts[1]), "1".equals(parts[2]));
            Group g = groups.computeIfAbsent(subscriptionFilter, k -> {
                Group created = new Group(k, SharedSubscription.parse(k, TopicLimits.SPEC).filter());
                tree.add(created.filter, created);
                return created;
            });
            List<Member> updated = new ArrayList<>(g.members.size() + 1);
            for (Member m : g.members) {
                if (!m.clientId().equals(clientId)) {
                    updated.add(m);
                }
            }
            updated.add(member);
            g.members = List.copyOf(updated);
        }

        @Override
        public void remove(String key) {
            int sep = key.lastIndexOf(RouteProcessors.SEP);
            String subscriptionFilter = key.substring(0, sep);
            String clientId = key.substring(sep + 1);
            Group g = groups.get(subscriptionFilter);
            if (g == null) {
                return;
            }
            List<Member> updated = g.members.stream().filter(m -> !m.clientId().equals(clientId)).toList();
            g.members = updated;
            if (updated.isEmpty()) {
                groups.remove(subscriptionFilter);
                tree.remove(g.filter, g);
            }
        }
    }

    public SharedGroups(SharedMap<String> map) {
        super(map);
    }

    @Override
    protected Groups newIndex() {
        return new Groups();
    }

    public static String key(String subscriptionFilter, String clientId) {
        return subscriptionFilter + RouteProcessors.SEP + clientId;
    }

    public static String value(String node, int qos, boolean persistent) {
        return node + RouteProcessors.SEP + qos + RouteProcessors.SEP + (persistent ? 1 : 0);
    }

    /** A client joined a group (it subscribed, or reconnected with its persistent session). */
    public CompletionStage<Void> join(String subscriptionFilter, String clientId, String node, int qos, boolean persistent) {
        return write(key(subscriptionFilter, clientId), value(node, qos, persistent));
    }

    /**
     * A client connected to {@code node} unsubscribed from a group. Only a membership that still names
     * {@code node} is removed: when the client has meanwhile connected to another node and joined there (its old
     * connection here closed late: this node stood still, or never heard the client go), that membership is the
     * client's, and deleting it would leave a connected member out of its group.
     */
    public CompletionStage<Void> leave(String subscriptionFilter, String clientId, String node) {
        return leaveFrom(subscriptionFilter, clientId, node, false);
    }

    /**
     * The connection of a member on {@code node} ended. A persistent member with a QoS 1 or 2 subscription stays,
     * offline: its session keeps the subscription, so the group still owes it what is published while it is away
     * (stored for it when no member is online). Any other member is removed. As {@link #leave}, only a membership
     * that still names {@code node} changes.
     */
    public CompletionStage<Void> disconnected(String subscriptionFilter, String clientId, String node) {
        return leaveFrom(subscriptionFilter, clientId, node, true);
    }

    private CompletionStage<Void> leaveFrom(String subscriptionFilter, String clientId, String node, boolean keepStorable) {
        String key = key(subscriptionFilter, clientId);
        Member m = member(subscriptionFilter, clientId);
        if (m != null && m.node().equals(node)) {
            // here at once; the others when the event arrives
            apply(key, keepStorable && m.storable() ? value(OFFLINE, m.qos(), true) : null);
        }
        return execute(key, new LeaveIfOn(node, keepStorable)).thenApply(v -> null);
    }

    /**
     * Ends a membership only if it names the node that asks: removes it, or with {@code keepStorable} marks a
     * persistent QoS 1/2 member offline.
     */
    public static final class LeaveIfOn implements EntryProcessor<String, String, Object>, IdentifiedDataSerializable {
        private String node;
        private boolean keepStorable;

        public LeaveIfOn() {
        }

        public LeaveIfOn(String node, boolean keepStorable) {
            this.node = node;
            this.keepStorable = keepStorable;
        }

        @Override
        public Object process(Map.Entry<String, String> entry) {
            String v = entry.getValue();
            if (v != null && v.startsWith(node + RouteProcessors.SEP)) {
                entry.setValue(keepStorable ? offlineIfStorable(v) : null);
            }
            return null;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            Wire.writeString(out, node);
            out.writeBoolean(keepStorable);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            node = Wire.readString(in);
            keepStorable = in.readBoolean();
        }

        @Override
        public int getFactoryId() {
            return SerializationIds.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return SerializationIds.SHARED_LEAVE_IF_ON;
        }
    }

    /** The value of a membership once its connection is gone: offline if it can take stored copies, else null. */
    static String offlineIfStorable(String value) {
        String[] parts = value.split(String.valueOf(RouteProcessors.SEP), -1);
        int qos = Integer.parseInt(parts[1]);
        return "1".equals(parts[2]) && qos >= 1 ? value(OFFLINE, qos, true) : null;
    }

    /** A membership another node pushed to this one before its write's event arrives. */
    public void mirrorPut(String key, String value) {
        apply(key, value);
    }

    public Group group(String subscriptionFilter) {
        return index().groups.get(subscriptionFilter);
    }

    public void match(String topic, Consumer<Group> sink) {
        index().tree.match(topic, sink);
    }

    /** The same, for a topic already split into levels. */
    public void match(String[] levels, boolean dollarTopic, Consumer<Group> sink) {
        index().tree.match(levels, dollarTopic, sink);
    }

    public int groupCount() {
        return index().groups.size();
    }

    /** Forgets, in this node's index, the members connected to a node that left (persistent ones go offline). */
    public void forgetNode(String node) {
        forgetOnline(node::equals);
    }

    /** Client ids and subscription filters of the members that the table says are connected to a node. */
    public List<Map.Entry<String, String>> membersOn(String node) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (Group g : index().groups.values()) {
            for (Member m : g.members) {
                if (m.node().equals(node)) {
                    out.add(Map.entry(g.key, m.clientId()));
                }
            }
        }
        return out;
    }

    /**
     * Ends a membership of a connection that is no longer on {@code node}, as {@link #disconnected}, if it still
     * names that node (a later connection elsewhere keeps its own). Blocking.
     */
    public void leaveIfOn(String subscriptionFilter, String clientId, String node) {
        map().execute(key(subscriptionFilter, clientId), new LeaveIfOn(node, true));
    }

    /** Forgets, in this node's index, the members connected to nodes not in {@code live} (persistent ones go offline). */
    public void forgetNodesNotIn(Set<String> live) {
        forgetOnline(node -> !live.contains(node));
    }

    private void forgetOnline(Predicate<String> gone) {
        for (Group g : index().groups.values()) {
            for (Member m : g.members) {
                if (m.online() && gone.test(m.node())) {
                    apply(key(g.key, m.clientId()), m.storable() ? value(OFFLINE, m.qos(), true) : null);
                }
            }
        }
    }

    /**
     * Deletes from the cluster map the members of nodes that are not live; persistent ones that can take stored
     * copies stay, offline. Blocking; run on a worker.
     */
    public void purgeDeadNodes(Set<String> liveNodes) {
        for (Map.Entry<String, String> e : map().entries()) {
            String v = e.getValue();
            String[] parts = v.split(String.valueOf(RouteProcessors.SEP), -1);
            String node = parts[0];
            if (node.isEmpty() || liveNodes.contains(node)) {
                continue;
            }
            String offline = offlineIfStorable(v);
            if (offline != null) {
                map().replace(e.getKey(), v, offline); // unless it connected elsewhere meanwhile
            } else {
                map().remove(e.getKey(), v);
            }
        }
    }

    /** Forgets an offline membership in this node's index at once (a stored copy for it found no session). */
    public void forgetOffline(String subscriptionFilter, String clientId) {
        Member m = member(subscriptionFilter, clientId);
        if (m != null && !m.online()) {
            apply(key(subscriptionFilter, clientId), null);
        }
    }

    /** A client's membership of a group in this node's index, or null. */
    private Member member(String subscriptionFilter, String clientId) {
        Group g = group(subscriptionFilter);
        if (g != null) {
            for (Member m : g.members) {
                if (m.clientId().equals(clientId)) {
                    return m;
                }
            }
        }
        return null;
    }

    /** Removes a membership if it is an offline one (its session ended). Blocking; run on a worker. */
    public void leaveIfOffline(String subscriptionFilter, String clientId) {
        String key = key(subscriptionFilter, clientId);
        String v = map().get(key);
        if (v != null && v.startsWith(OFFLINE + RouteProcessors.SEP)) {
            map().remove(key, v);
        }
    }

    /** FNV-1a over UTF-8: the same on every node and Java version, unlike String.hashCode. */
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
