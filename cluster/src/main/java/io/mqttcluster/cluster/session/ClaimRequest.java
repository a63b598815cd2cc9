package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.serial.Wire;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * What a new connection asks for when it takes a client id.
 *
 * @param node             the node id of the connection's node
 * @param cleanStart       discard any previous session
 * @param expirySeconds    how long the session outlives the connection (0: ends with it; {@link SessionRecord#NEVER})
 * @param will             the will, or null
 * @param willDelaySeconds MQTT 5 will delay
 * @param protocolVersion  3, 4 or 5
 * @param nowMillis        the caller's clock (processors run on two replicas and must agree)
 * @param sessionUid       the id a new session gets (random, chosen by the caller for the same reason)
 */
public record ClaimRequest(String node, boolean cleanStart, long expirySeconds, Message will, int willDelaySeconds,
                           int protocolVersion, long nowMillis, long sessionUid) {

    void writeTo(DataOutput out) throws IOException {
        Wire.writeString(out, node);
        out.writeBoolean(cleanStart);
        out.writeLong(expirySeconds);
        Message.writeNullable(out, will);
        out.writeInt(willDelaySeconds);
        out.writeByte(protocolVersion);
        out.writeLong(nowMillis);
        out.writeLong(sessionUid);
    }

    static ClaimRequest readFrom(DataInput in) throws IOException {
        return new ClaimRequest(Wire.readString(in), in.readBoolean(), in.readLong(), Message.readNullable(in),
                in.readInt(), in.readByte(), in.readLong(), in.readLong());
    }
}
