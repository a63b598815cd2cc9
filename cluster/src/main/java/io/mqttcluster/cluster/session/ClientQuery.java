package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.serial.Wire;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Which sessions an operator's client search wants, and which page: ids starting with {@code prefix}, of
 * {@code user}, connected to node id {@code owner}, in a {@link State}, sorted by client id, the first
 * {@code limit} after the cursor {@code after}. Every field but {@code limit} may be null (no condition). Immutable.
 */
public record ClientQuery(String prefix, String user, String owner, State state, String after, int limit) {

    /** Connected or offline; null in a query: either. */
    public enum State { CONNECTED, OFFLINE }

    public ClientQuery {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
    }

    /** Whether a session is one the query asks for (the cursor included). */
    public boolean matches(String clientId, SessionRecord rec) {
        if (rec == null || (after != null && clientId.compareTo(after) <= 0)) {
            return false;
        }
        if (prefix != null && !clientId.startsWith(prefix)) {
            return false;
        }
        if (user != null && !user.equals(rec.user())) {
            return false;
        }
        if (owner != null && !owner.equals(rec.owner())) {
            return false;
        }
        if (state == State.CONNECTED && rec.owner() == null) {
            return false;
        }
        return state != State.OFFLINE || rec.owner() == null;
    }

    void writeTo(DataOutput out) throws IOException {
        Wire.writeString(out, prefix);
        Wire.writeString(out, user);
        Wire.writeString(out, owner);
        out.writeByte(state == null ? -1 : state.ordinal());
        Wire.writeString(out, after);
        out.writeInt(limit);
    }

    static ClientQuery readFrom(DataInput in) throws IOException {
        String prefix = Wire.readString(in);
        String user = Wire.readString(in);
        String owner = Wire.readString(in);
        int state = in.readByte();
        return new ClientQuery(prefix, user, owner, state < 0 ? null : State.values()[state], Wire.readString(in), in.readInt());
    }
}
