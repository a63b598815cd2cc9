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
 * @param keepAliveSeconds the keep alive in force for the connection
 */
public record ClaimRequest(String node, boolean cleanStart, long expirySeconds, Message will, int willDelaySeconds,
                           int protocolVersion, long nowMillis, long sessionUid, String user, String remote,
                           int keepAliveSeconds) {

    /** Version of the claim's format: 1 ended after the session uid; 2 adds the connection facts. */
    private static final byte FORMAT_VERSION = 2;

    /** A claim without connection facts (tests of the session rules). */
    public ClaimRequest(String node, boolean cleanStart, long expirySeconds, Message will, int willDelaySeconds,
                        int protocolVersion, long nowMillis, long sessionUid) {
        this(node, cleanStart, expirySeconds, will, willDelaySeconds, protocolVersion, nowMillis, sessionUid, null, null, 0);
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        Wire.writeString(out, node);
        out.writeBoolean(cleanStart);
        out.writeLong(expirySeconds);
        Message.writeNullable(out, will);
        out.writeInt(willDelaySeconds);
        out.writeByte(protocolVersion);
        out.writeLong(nowMillis);
        out.writeLong(sessionUid);
        Wire.writeString(out, user);
        Wire.writeString(out, remote);
        out.writeInt(keepAliveSeconds);
    }

    static ClaimRequest readFrom(DataInput in) throws IOException {
        int version = in.readByte();
        if (version != FORMAT_VERSION) {
            throw new IOException("unknown claim format version " + version);
        }
        return new ClaimRequest(Wire.readString(in), in.readBoolean(), in.readLong(), Message.readNullable(in),
                in.readInt(), in.readByte(), in.readLong(), in.readLong(), Wire.readString(in), Wire.readString(in),
                in.readInt());
    }
}
