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
 * @param user             the authenticated user name, or null (kept in the record for the admin API)
 * @param remote           the client's address "ip:port", or null
 * @param keepAliveSeconds the keep alive in force for the connection; -1: the claim carries no connection facts
 *                         (a member of the release before may run it: {@link #hasFacts()})
 */
public record ClaimRequest(String node, boolean cleanStart, long expirySeconds, Message will, int willDelaySeconds,
                           int protocolVersion, long nowMillis, long sessionUid, String user, String remote,
                           int keepAliveSeconds) {

    /** A claim without connection facts: what every member of the release before can run. */
    public ClaimRequest(String node, boolean cleanStart, long expirySeconds, Message will, int willDelaySeconds,
                        int protocolVersion, long nowMillis, long sessionUid) {
        this(node, cleanStart, expirySeconds, will, willDelaySeconds, protocolVersion, nowMillis, sessionUid, null, null, -1);
    }

    /** Whether the claim carries the connection facts (user, address, keep alive): sent as {@code ClaimWithFacts}. */
    public boolean hasFacts() {
        return keepAliveSeconds >= 0;
    }

    /** The format of the first release, then with {@code facts} the connection facts. */
    void writeTo(DataOutput out, boolean facts) throws IOException {
        Wire.writeString(out, node);
        out.writeBoolean(cleanStart);
        out.writeLong(expirySeconds);
        Message.writeNullable(out, will);
        out.writeInt(willDelaySeconds);
        out.writeByte(protocolVersion);
        out.writeLong(nowMillis);
        out.writeLong(sessionUid);
        if (facts) {
            Wire.writeString(out, user);
            Wire.writeString(out, remote);
            out.writeInt(keepAliveSeconds);
        }
    }

    static ClaimRequest readFrom(DataInput in, boolean facts) throws IOException {
        String node = Wire.readString(in);
        boolean cleanStart = in.readBoolean();
        long expirySeconds = in.readLong();
        Message will = Message.readNullable(in);
        int willDelaySeconds = in.readInt();
        int protocolVersion = in.readByte();
        long nowMillis = in.readLong();
        long sessionUid = in.readLong();
        if (!facts) {
            return new ClaimRequest(node, cleanStart, expirySeconds, will, willDelaySeconds, protocolVersion, nowMillis, sessionUid);
        }
        return new ClaimRequest(node, cleanStart, expirySeconds, will, willDelaySeconds, protocolVersion, nowMillis, sessionUid,
                Wire.readString(in), Wire.readString(in), in.readInt());
    }
}
