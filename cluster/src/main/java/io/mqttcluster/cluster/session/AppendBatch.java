package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Queues several messages of one publisher, in the publisher's order, for persistent sessions
 * ({@link SessionQueue#append} for each). One call carries the messages once, the distinct ways they are
 * delivered once, and per session which of them it takes and how; sessions that are gone or not persistent
 * are skipped (null result). The Hazelcast store sends one per session (see
 * {@link HazelcastSessionStore#appendBatch} for why not one per partition), the in-memory one one in all.
 *
 * <p>Why a batch rather than one call per message: calls in flight at the same time can be reordered by
 * Hazelcast when it retries one (a partition moving, a member leaving), and a session would then queue a
 * publisher's messages out of order. A publisher has at most one batch in flight per round, so its messages
 * reach each queue in the order it sent them.
 */
public final class AppendBatch extends SessionOp<AppendResults> {
    private List<Message> messages;
    private boolean[] mayBeDuplicate;
    private List<Target> targets;
    private QueueLimits limits;
    /** Per client id: pairs of (message index, target index), in message order. */
    private Map<String, int[]> plan;
    /** The caller's number of each message (not sent: only the caller reads it back). */
    private transient int[] globalIndex;

    public AppendBatch() {
    }

    public AppendBatch(List<Message> messages, boolean[] mayBeDuplicate, List<Target> targets, QueueLimits limits,
                       Map<String, int[]> plan, int[] globalIndex) {
        this.globalIndex = globalIndex;
        this.messages = messages;
        this.mayBeDuplicate = mayBeDuplicate;
        this.targets = targets;
        this.limits = limits;
        this.plan = plan;
    }

    /** The caller's number of this batch's i-th message. */
    int globalIndex(int i) {
        return globalIndex[i];
    }

    /** The client ids this batch queues for. */
    java.util.Set<String> keys() {
        return plan.keySet();
    }

    @Override
    public AppendResults process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        int[] mine = plan.get(entry.getKey());
        if (rec == null || !rec.persistent() || mine == null) {
            return null;
        }
        AppendResults out = new AppendResults(mine.length / 2);
        boolean changed = false;
        for (int i = 0; i < mine.length; i += 2) {
            Message m = messages.get(mine[i]);
            AppendResult r = rec.queue().append(m, targets.get(mine[i + 1]), limits, mayBeDuplicate[mine[i]],
                    rec.owner != null, rec.owner, rec.epoch);
            changed |= r.status() != AppendResult.DUPLICATE;
            out.add(mine[i], r);
        }
        if (changed) {
            entry.setValue(rec.changed());
        }
        return out;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            messages.get(i).writeTo(out);
            out.writeBoolean(mayBeDuplicate[i]);
        }
        out.writeInt(targets.size());
        for (Target t : targets) {
            out.writeByte(t.qos() | (t.retainFlag() ? 0x10 : 0));
            Wire.writeString(out, t.shareGroup());
            Wire.writeInts(out, t.subscriptionIds() == null ? new int[0] : t.subscriptionIds());
        }
        out.writeInt(limits.maxMessages());
        out.writeBoolean(limits.dropOldest());
        out.writeInt(limits.qos2Window());
        out.writeInt(plan.size());
        for (Map.Entry<String, int[]> e : plan.entrySet()) {
            Wire.writeString(out, e.getKey());
            out.writeIntArray(e.getValue());
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        int n = in.readInt();
        messages = new ArrayList<>(n);
        mayBeDuplicate = new boolean[n];
        for (int i = 0; i < n; i++) {
            messages.add(Message.readFrom(in));
            mayBeDuplicate[i] = in.readBoolean();
        }
        int t = in.readInt();
        targets = new ArrayList<>(t);
        for (int i = 0; i < t; i++) {
            int qosAndFlag = in.readByte();
            String group = Wire.readString(in);
            int[] ids = Wire.readInts(in);
            targets.add(new Target(qosAndFlag & 0x03, (qosAndFlag & 0x10) != 0, group, ids.length == 0 ? null : ids));
        }
        limits = new QueueLimits(in.readInt(), in.readBoolean(), in.readInt());
        int keys = in.readInt();
        plan = new HashMap<>(keys * 2);
        for (int i = 0; i < keys; i++) {
            plan.put(Wire.readString(in), in.readIntArray());
        }
    }

    @Override
    public int getClassId() {
        return SerializationIds.APPEND_BATCH;
    }
}
