package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;

import java.io.IOException;

/** A rule about one QoS 2 packet id of the connection of one epoch. */
abstract class PacketIdOp<R> extends SessionOp<R> {
    long epoch;
    int packetId;

    PacketIdOp() {
    }

    PacketIdOp(long epoch, int packetId) {
        this.epoch = epoch;
        this.packetId = packetId;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(epoch);
        out.writeShort(packetId);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        epoch = in.readLong();
        packetId = in.readUnsignedShort();
    }
}
