package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;

/** The outcome of queueing one message for one session. */
public final class AppendResult implements IdentifiedDataSerializable {
    public static final int APPENDED = 0;
    /** The session already took this message (a QoS 2 re-send): nothing queued. */
    public static final int DUPLICATE = 1;
    public static final int DROPPED_NEW = 2;

    int status;
    long seq;
    String owner;
    long epoch;
    int droppedOldest;

    public AppendResult() {
    }

    AppendResult(int status, long seq, String owner, long epoch, int droppedOldest) {
        this.status = status;
        this.seq = seq;
        this.owner = owner;
        this.epoch = epoch;
        this.droppedOldest = droppedOldest;
    }

    public int status() {
        return status;
    }

    /**
     * The message's sequence number in the queue; for DUPLICATE the earlier copy's while it is still queued
     * (its connection may never have heard of it), 0 once it left the queue.
     */
    public long seq() {
        return seq;
    }

    /** The node holding the session's connection, to which the message is to be sent now; null if offline. */
    public String owner() {
        return owner;
    }

    public long epoch() {
        return epoch;
    }

    /** How many of the oldest messages were dropped to make room (queue full, drop-oldest policy). */
    public int droppedOldest() {
        return droppedOldest;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByte(status);
        out.writeLong(seq);
        Wire.writeString(out, owner);
        out.writeLong(epoch);
        out.writeInt(droppedOldest);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        status = in.readByte();
        seq = in.readLong();
        owner = Wire.readString(in);
        epoch = in.readLong();
        droppedOldest = in.readInt();
    }

    @Override
    public int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return SerializationIds.APPEND_RESULT;
    }
}
