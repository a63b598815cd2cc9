package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The outcome of taking a client id: what was there before and what the new connection resumes. */
public final class ClaimResult implements IdentifiedDataSerializable {
    String previousOwner;
    long previousEpoch;
    Message previousWill;
    Message endedWill;
    long epoch;
    boolean sessionPresent;
    long sessionUid;
    long discardedSessionUid;
    long nextSeq;
    final Map<String, SubOptions> subscriptions = new LinkedHashMap<>();
    final List<String> discardedSubscriptions = new ArrayList<>();

    public ClaimResult() {
    }

    /** Node that held the client id's connection, or null. */
    public String previousOwner() {
        return previousOwner;
    }

    public long previousEpoch() {
        return previousEpoch;
    }

    /**
     * The will of the connection this claim replaced. A takeover discards it; but when that connection's
     * node is gone (crashed before the survivors released its sessions), it is published.
     */
    public Message previousWill() {
        return previousWill;
    }

    /** The delayed will of an offline session that this claim ended (clean start, or expired): publish it now. */
    public Message endedWill() {
        return endedWill;
    }

    /** The epoch of the new connection. */
    public long epoch() {
        return epoch;
    }

    public boolean sessionPresent() {
        return sessionPresent;
    }

    public long sessionUid() {
        return sessionUid;
    }

    /** The id of the session a clean start discarded (its cluster-wide subscriptions go), or 0. */
    public long discardedSessionUid() {
        return discardedSessionUid;
    }

    /** The sequence number the next message queued for this session gets. */
    public long nextSeq() {
        return nextSeq;
    }

    public Map<String, SubOptions> subscriptions() {
        return subscriptions;
    }

    /** Subscriptions of a persistent session that a clean start discarded (their cluster entries go too). */
    public List<String> discardedSubscriptions() {
        return discardedSubscriptions;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.writeString(out, previousOwner);
        out.writeLong(previousEpoch);
        Message.writeNullable(out, previousWill);
        Message.writeNullable(out, endedWill);
        out.writeLong(epoch);
        out.writeBoolean(sessionPresent);
        out.writeLong(sessionUid);
        out.writeLong(discardedSessionUid);
        out.writeLong(nextSeq);
        out.writeInt(subscriptions.size());
        for (Map.Entry<String, SubOptions> e : subscriptions.entrySet()) {
            Wire.writeString(out, e.getKey());
            e.getValue().writeTo(out);
        }
        Wire.writeStrings(out, discardedSubscriptions);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        previousOwner = Wire.readString(in);
        previousEpoch = in.readLong();
        previousWill = Message.readNullable(in);
        endedWill = Message.readNullable(in);
        epoch = in.readLong();
        sessionPresent = in.readBoolean();
        sessionUid = in.readLong();
        discardedSessionUid = in.readLong();
        nextSeq = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            subscriptions.put(Wire.readString(in), SubOptions.readFrom(in));
        }
        discardedSubscriptions.addAll(Wire.readStringList(in));
    }

    @Override
    public int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return SerializationIds.CLAIM_RESULT;
    }
}
