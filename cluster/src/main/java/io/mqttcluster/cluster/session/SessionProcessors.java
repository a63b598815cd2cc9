package io.mqttcluster.cluster.session;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicate;
import io.mqttcluster.cluster.ClusterSerialization;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.SessionResults.AppendResult;
import io.mqttcluster.cluster.session.SessionResults.ClaimResult;
import io.mqttcluster.cluster.session.SessionResults.ReleaseResult;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The only code that changes a {@link SessionRecord}. Each processor runs on the partition thread of the
 * client id, one at a time per key, and again on the backup replica with the same input, so every one
 * of them is deterministic: no clocks, no randomness, only what it carries.
 */
public final class SessionProcessors {

    private SessionProcessors() {
    }

    abstract static class Base<R> implements EntryProcessor<String, SessionRecord, R>, IdentifiedDataSerializable {
        @Override
        public int getFactoryId() {
            return ClusterSerialization.FACTORY_ID;
        }
    }

    /**
     * A new connection takes the client id: it becomes the owner with the next epoch, and learns whether a
     * persistent session is resumed and with which subscriptions. Returns who owned the id before, so that
     * connection can be closed; the queue is read with {@link Snapshot} once it is.
     */
    public static final class Claim extends Base<ClaimResult> {
        String node;
        boolean cleanStart;
        long expirySeconds;
        Message will;
        int willDelaySeconds;
        int protocolVersion;
        long nowMillis;
        boolean backup;

        public Claim() {
        }

        public Claim(String node, boolean cleanStart, long expirySeconds, Message will, int willDelaySeconds,
                     int protocolVersion, long nowMillis) {
            this.node = node;
            this.cleanStart = cleanStart;
            this.expirySeconds = expirySeconds;
            this.will = will;
            this.willDelaySeconds = willDelaySeconds;
            this.protocolVersion = protocolVersion;
            this.nowMillis = nowMillis;
        }

        @Override
        public ClaimResult process(Map.Entry<String, SessionRecord> entry) {
            SessionRecord old = entry.getValue();
            boolean expired = old != null && old.owner == null && old.disconnectedAtMillis > 0
                    && nowMillis - old.disconnectedAtMillis > old.expirySeconds * 1000L
                    && old.expirySeconds < Long.MAX_VALUE / 1000;
            boolean resume = old != null && old.persistent() && !cleanStart && !expired;
            SessionRecord rec = resume ? old : new SessionRecord(entry.getKey());
            ClaimResult result = backup ? null : new ClaimResult();
            if (result != null && old != null) {
                result.previousOwner = old.owner;
                result.previousEpoch = old.epoch;
                result.previousWill = old.owner != null ? old.will : null;
                if (!resume) {
                    result.discardedSubscriptions.addAll(old.subscriptions().keySet());
                }
            }
            rec.epoch = (old == null ? 0 : old.epoch) + 1;
            if (!resume && old != null) {
                // keep sequence numbers rising across incarnations of one client id
                rec.nextSeq = old.nextSeq;
            }
            rec.owner = node;
            rec.expirySeconds = expirySeconds;
            rec.disconnectedAtMillis = 0;
            rec.protocolVersion = protocolVersion;
            rec.will = will;
            rec.willDelaySeconds = willDelaySeconds;
            if (result != null) {
                result.epoch = rec.epoch;
                result.sessionPresent = resume;
                result.subscriptions.putAll(rec.subscriptions());
            }
            entry.setValue(rec);
            return result;
        }

        @Override
        public EntryProcessor<String, SessionRecord, ClaimResult> getBackupProcessor() {
            Claim copy = new Claim(node, cleanStart, expirySeconds, will, willDelaySeconds, protocolVersion, nowMillis);
            copy.backup = true;
            return copy;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            Message.writeString(out, node);
            out.writeBoolean(cleanStart);
            out.writeLong(expirySeconds);
            out.writeBoolean(will != null);
            if (will != null) {
                will.writeTo(out);
            }
            out.writeInt(willDelaySeconds);
            out.writeByte(protocolVersion);
            out.writeLong(nowMillis);
            out.writeBoolean(backup);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            node = Message.readString(in);
            cleanStart = in.readBoolean();
            expirySeconds = in.readLong();
            will = in.readBoolean() ? Message.readFrom(in) : null;
            willDelaySeconds = in.readInt();
            protocolVersion = in.readByte();
            nowMillis = in.readLong();
            backup = in.readBoolean();
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.CLAIM;
        }
    }

    /**
     * A connection ended. Only the current owner (same node, same epoch) changes anything: a connection
     * that was taken over leaves the session alone and publishes no will. A clean session ends here; a
     * persistent one goes offline. Returns the will when the end was abnormal.
     */
    public static final class Release extends Base<ReleaseResult> {
        String node;
        long epoch;
        boolean abnormal;
        long nowMillis;

        public Release() {
        }

        public Release(String node, long epoch, boolean abnormal, long nowMillis) {
            this.node = node;
            this.epoch = epoch;
            this.abnormal = abnormal;
            this.nowMillis = nowMillis;
        }

        @Override
        public ReleaseResult process(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            ReleaseResult result = new ReleaseResult();
            result.clientId = entry.getKey();
            if (rec == null || !node.equals(rec.owner) || rec.epoch != epoch) {
                return result;
            }
            release(entry, rec, abnormal, nowMillis, result);
            return result;
        }

        static void release(Map.Entry<String, SessionRecord> entry, SessionRecord rec, boolean abnormal,
                            long nowMillis, ReleaseResult result) {
            result.released = true;
            if (abnormal && rec.will != null) {
                result.will = rec.will;
                result.willDelaySeconds = rec.willDelaySeconds;
            }
            rec.will = null; // [MQTT-3.1.2-10] [MQTT-3.14.4-3]: published once, or discarded on DISCONNECT
            if (!rec.persistent()) {
                result.endedSubscriptions.addAll(rec.subscriptions().keySet());
                entry.setValue(null);
            } else {
                rec.owner = null;
                rec.disconnectedAtMillis = nowMillis;
                entry.setValue(rec);
            }
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            Message.writeString(out, node);
            out.writeLong(epoch);
            out.writeBoolean(abnormal);
            out.writeLong(nowMillis);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            node = Message.readString(in);
            epoch = in.readLong();
            abnormal = in.readBoolean();
            nowMillis = in.readLong();
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.RELEASE;
        }
    }

    /**
     * Where one message goes in one session: the QoS to deliver it at, the RETAIN flag to deliver it with,
     * and how it was matched.
     */
    public record Target(int qos, boolean retainFlag, String shareGroup, int[] subscriptionIds) {

        /** Targets that deliver alike share one processor call. */
        public Object groupKey() {
            return java.util.List.of(qos, retainFlag, String.valueOf(shareGroup),
                    subscriptionIds == null ? "" : java.util.Arrays.toString(subscriptionIds));
        }
    }

    /**
     * Queues one message for several persistent sessions that get it the same way (same QoS, flags,
     * group), in one call (Hazelcast groups the keys by partition and ships this small processor once per
     * partition). Sessions that are gone or not persistent are skipped (no result). With
     * {@code mayBeDuplicate} (a QoS 2 publisher resending after a crash) a message already queued with the
     * same id is not queued twice.
     */
    public static final class Append extends Base<AppendResult> {
        Message message;
        Target target;
        int maxQueue;
        boolean dropOldest;
        boolean mayBeDuplicate;

        public Append() {
        }

        public Append(Message message, Target target, int maxQueue, boolean dropOldest, boolean mayBeDuplicate) {
            this.message = message;
            this.target = target;
            this.maxQueue = maxQueue;
            this.dropOldest = dropOldest;
            this.mayBeDuplicate = mayBeDuplicate;
        }

        @Override
        public AppendResult process(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            if (rec == null || !rec.persistent()) {
                return null;
            }
            if (mayBeDuplicate) {
                for (QueuedMessage q : rec.queueView()) {
                    if (q.message().sameId(message)) {
                        return new AppendResult(AppendResult.DUPLICATE, q.seq(), rec.owner, rec.epoch, 0);
                    }
                }
            }
            int dropped = 0;
            if (rec.queueSize() >= maxQueue) {
                if (!dropOldest) {
                    return new AppendResult(AppendResult.DROPPED_NEW, 0, rec.owner, rec.epoch, 0);
                }
                Iterator<QueuedMessage> it = rec.q().iterator();
                while (rec.queueSize() >= maxQueue && it.hasNext()) {
                    // a message half-way through QoS 2 (PUBREL sent) must finish, or its packet id stays taken
                    if (!it.next().pubrelSent()) {
                        it.remove();
                        dropped++;
                    }
                }
                if (rec.queueSize() >= maxQueue) {
                    return new AppendResult(AppendResult.DROPPED_NEW, 0, rec.owner, rec.epoch, 0);
                }
            }
            long seq = rec.nextSeq++;
            int flags = (rec.owner != null ? QueuedMessage.MAYBE_SENT : 0) | (target.retainFlag() ? QueuedMessage.RETAIN : 0);
            rec.q().addLast(new QueuedMessage(seq, message, target.qos(), flags, target.shareGroup(),
                    target.subscriptionIds()));
            entry.setValue(rec);
            return new AppendResult(AppendResult.APPENDED, seq, rec.owner, rec.epoch, dropped);
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            message.writeTo(out);
            out.writeByte(target.qos() | (target.retainFlag() ? 0x10 : 0));
            Message.writeString(out, target.shareGroup());
            int[] ids = target.subscriptionIds() == null ? new int[0] : target.subscriptionIds();
            out.writeShort(ids.length);
            for (int id : ids) {
                out.writeInt(id);
            }
            out.writeInt(maxQueue);
            out.writeBoolean(dropOldest);
            out.writeBoolean(mayBeDuplicate);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            message = Message.readFrom(in);
            int qosAndFlag = in.readByte();
            String group = Message.readString(in);
            int[] ids = new int[in.readShort()];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = in.readInt();
            }
            target = new Target(qosAndFlag & 0x03, (qosAndFlag & 0x10) != 0, group, ids);
            maxQueue = in.readInt();
            dropOldest = in.readBoolean();
            mayBeDuplicate = in.readBoolean();
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.APPEND;
        }
    }

    /**
     * Reads a resumed session's queue, once the previous connection is closed (so its last
     * acknowledgements are in). Read-only: no backup. Returns null when a newer connection has claimed the
     * session meanwhile.
     */
    public static final class Snapshot extends Base<SessionResults.SnapshotResult> {
        long epoch;

        public Snapshot() {
        }

        public Snapshot(long epoch) {
            this.epoch = epoch;
        }

        @Override
        public SessionResults.SnapshotResult process(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            if (rec == null || rec.epoch != epoch) {
                return null;
            }
            SessionResults.SnapshotResult result = new SessionResults.SnapshotResult();
            result.queue.addAll(rec.queueView());
            return result;
        }

        @Override
        public EntryProcessor<String, SessionRecord, SessionResults.SnapshotResult> getBackupProcessor() {
            return null;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeLong(epoch);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            epoch = in.readLong();
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.SNAPSHOT;
        }
    }

    /**
     * A persistent session's member of shared subscription groups went offline: the messages it got
     * through a group and has not acknowledged leave its queue and are returned, to go to another member.
     * Only while the session is offline at the given epoch.
     */
    public static final class TakeShared extends Base<java.util.List<QueuedMessage>> {
        long epoch;

        public TakeShared() {
        }

        public TakeShared(long epoch) {
            this.epoch = epoch;
        }

        @Override
        public java.util.List<QueuedMessage> process(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            java.util.List<QueuedMessage> taken = new ArrayList<>();
            if (rec == null || rec.owner != null || rec.epoch != epoch) {
                return taken;
            }
            Iterator<QueuedMessage> it = rec.queueView().iterator();
            while (it.hasNext()) {
                QueuedMessage q = it.next();
                if (q.shareGroup() != null && !q.pubrelSent()) {
                    it.remove();
                    taken.add(q);
                }
            }
            if (!taken.isEmpty()) {
                entry.setValue(rec);
            }
            return taken;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeLong(epoch);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            epoch = in.readLong();
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.TAKE_SHARED;
        }
    }

    /** The client acknowledged messages (PUBACK, PUBCOMP): they leave the queue. */
    public static final class Ack extends Base<Object> {
        long[] seqs;

        public Ack() {
        }

        public Ack(long[] seqs) {
            this.seqs = seqs;
        }

        @Override
        public Object process(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            if (rec == null) {
                return null;
            }
            boolean changed = false;
            for (long seq : seqs) {
                changed |= rec.removeSeq(seq);
            }
            if (changed) {
                entry.setValue(rec);
            }
            return null;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeLongArray(seqs);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            seqs = in.readLongArray();
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.ACK;
        }
    }

    /**
     * The client answered a QoS 2 message with PUBREC: remember that, before PUBREL is sent, so a node
     * that takes over resends PUBREL (the client has the message) rather than the PUBLISH.
     */
    public static final class MarkPubrel extends Base<Object> {
        long seq;

        public MarkPubrel() {
        }

        public MarkPubrel(long seq) {
            this.seq = seq;
        }

        @Override
        public Object process(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            if (rec == null) {
                return null;
            }
            QueuedMessage q = rec.findBySeq(seq);
            if (q != null && !q.pubrelSent()) {
                rec.replace(q.withFlags(q.flags() | QueuedMessage.PUBREL_SENT));
                entry.setValue(rec);
            }
            return null;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeLong(seq);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            seq = in.readLong();
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.MARK_PUBREL;
        }
    }

    /** SUBSCRIBE / UNSUBSCRIBE of a persistent session, by the connection of the given epoch. */
    public static final class UpdateSubscriptions extends Base<Object> {
        long epoch;
        Map<String, SubOptions> added;
        List<String> removed;

        public UpdateSubscriptions() {
        }

        public UpdateSubscriptions(long epoch, Map<String, SubOptions> added, List<String> removed) {
            this.epoch = epoch;
            this.added = added;
            this.removed = removed;
        }

        @Override
        public Object process(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            if (rec == null || rec.epoch != epoch) {
                return null;
            }
            removed.forEach(rec.subs()::remove);
            rec.subs().putAll(added);
            entry.setValue(rec);
            return null;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeLong(epoch);
            out.writeInt(added.size());
            for (Map.Entry<String, SubOptions> e : added.entrySet()) {
                Message.writeString(out, e.getKey());
                e.getValue().writeTo(out);
            }
            out.writeInt(removed.size());
            for (String f : removed) {
                Message.writeString(out, f);
            }
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            epoch = in.readLong();
            int n = in.readInt();
            added = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                added.put(Message.readString(in), SubOptions.readFrom(in));
            }
            n = in.readInt();
            removed = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                removed.add(Message.readString(in));
            }
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.UPDATE_SUBSCRIPTIONS;
        }
    }

    /**
     * QoS 2 receive state of a persistent session: {@code put} records packet id -> message id and returns
     * the message id already recorded for that packet id, if any (a resend after a crash keeps the first
     * id, so queues recognise the copy); {@code put == false} forgets the packet id (PUBREL).
     */
    public static final class InboundQos2 extends Base<long[]> {
        boolean put;
        int packetId;
        long idHigh;
        long idLow;

        public InboundQos2() {
        }

        public InboundQos2(boolean put, int packetId, long idHigh, long idLow) {
            this.put = put;
            this.packetId = packetId;
            this.idHigh = idHigh;
            this.idLow = idLow;
        }

        @Override
        public long[] process(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            if (rec == null || !rec.persistent()) {
                return null;
            }
            if (!put) {
                if (rec.inboundQos2 != null && rec.inboundQos2.remove(packetId) != null) {
                    entry.setValue(rec);
                }
                return null;
            }
            long[] existing = rec.inbound().get(packetId);
            if (existing != null) {
                return existing;
            }
            rec.inbound().put(packetId, new long[]{idHigh, idLow});
            entry.setValue(rec);
            return null;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeBoolean(put);
            out.writeInt(packetId);
            out.writeLong(idHigh);
            out.writeLong(idLow);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            put = in.readBoolean();
            packetId = in.readInt();
            idHigh = in.readLong();
            idLow = in.readLong();
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.INBOUND_QOS2;
        }
    }

    /**
     * After nodes died: sessions owned by a node that is not alive are released as if their connection
     * dropped (abnormal: their will is returned for publishing). Atomic per session, so when two
     * survivors run it, each session is released once and its will returned once.
     */
    public static final class ReleaseDeadOwner extends Base<ReleaseResult> {
        Set<String> liveNodes;
        long nowMillis;

        public ReleaseDeadOwner() {
        }

        public ReleaseDeadOwner(Set<String> liveNodes, long nowMillis) {
            this.liveNodes = liveNodes;
            this.nowMillis = nowMillis;
        }

        @Override
        public ReleaseResult process(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            if (rec == null || rec.owner == null || liveNodes.contains(rec.owner)) {
                return null;
            }
            ReleaseResult result = new ReleaseResult();
            result.clientId = entry.getKey();
            Release.release(entry, rec, true, nowMillis, result);
            return result;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeInt(liveNodes.size());
            for (String n : liveNodes) {
                Message.writeString(out, n);
            }
            out.writeLong(nowMillis);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            int n = in.readInt();
            liveNodes = new HashSet<>(n * 2);
            for (int i = 0; i < n; i++) {
                liveNodes.add(Message.readString(in));
            }
            nowMillis = in.readLong();
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.RELEASE_DEAD_OWNER;
        }
    }

    /** Selects persistent sessions that have no connection. */
    public static final class Offline implements Predicate<String, SessionRecord>, IdentifiedDataSerializable {
        public Offline() {
        }

        @Override
        public boolean apply(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            return rec != null && rec.owner == null;
        }

        @Override
        public void writeData(ObjectDataOutput out) {
        }

        @Override
        public void readData(ObjectDataInput in) {
        }

        @Override
        public int getFactoryId() {
            return ClusterSerialization.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.OFFLINE;
        }
    }

    /** Selects sessions whose owner is set and not among the live nodes. */
    public static final class OwnerNotLive implements Predicate<String, SessionRecord>, IdentifiedDataSerializable {
        Set<String> liveNodes;

        public OwnerNotLive() {
        }

        public OwnerNotLive(Set<String> liveNodes) {
            this.liveNodes = liveNodes;
        }

        @Override
        public boolean apply(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            return rec != null && rec.owner != null && !liveNodes.contains(rec.owner);
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeInt(liveNodes.size());
            for (String n : liveNodes) {
                Message.writeString(out, n);
            }
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            int n = in.readInt();
            liveNodes = new HashSet<>(n * 2);
            for (int i = 0; i < n; i++) {
                liveNodes.add(Message.readString(in));
            }
        }

        @Override
        public int getFactoryId() {
            return ClusterSerialization.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.OWNER_NOT_LIVE;
        }
    }
}
