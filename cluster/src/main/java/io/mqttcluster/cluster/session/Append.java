package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.Map;

/**
 * Queues one message for persistent sessions that get it the same way ({@link SessionQueue#append}).
 * Sessions that are gone or not persistent are skipped (no result). With {@code mayBeDuplicate} (a QoS 2
 * message re-sent after a crash, under its first id) a session that already took it does not take it again.
 */
public final class Append extends SessionOp<AppendResult> {
    private Message message;
    private Target target;
    private QueueLimits limits;
    private boolean mayBeDuplicate;

    public Append() {
    }

    public Append(Message message, Target target, QueueLimits limits, boolean mayBeDuplicate) {
        this.message = message;
        this.target = target;
        this.limits = limits;
        this.mayBeDuplicate = mayBeDuplicate;
    }

    @Override
    public AppendResult process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null || !rec.persistent()) {
            return null;
        }
        AppendResult r = rec.queue().append(message, target, limits, mayBeDuplicate, rec.owner != null, rec.owner, rec.epoch);
        if (r.status() != AppendResult.DUPLICATE) {
            entry.setValue(rec.changed());
        }
        return r;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        message.writeTo(out);
        out.writeByte(target.qos() | (target.retainFlag() ? 0x10 : 0));
        Wire.writeString(out, target.shareGroup());
        Wire.writeInts(out, target.subscriptionIds() == null ? new int[0] : target.subscriptionIds());
        out.writeInt(limits.maxMessages());
        out.writeBoolean(limits.dropOldest());
        out.writeInt(limits.qos2Window());
        out.writeBoolean(mayBeDuplicate);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        message = Message.readFrom(in);
        int qosAndFlag = in.readByte();
        String group = Wire.readString(in);
        int[] ids = Wire.readInts(in);
        target = new Target(qosAndFlag & 0x03, (qosAndFlag & 0x10) != 0, group, ids);
        limits = new QueueLimits(in.readInt(), in.readBoolean(), in.readInt());
        mayBeDuplicate = in.readBoolean();
    }

    @Override
    public int getClassId() {
        return SerializationIds.APPEND;
    }
}
