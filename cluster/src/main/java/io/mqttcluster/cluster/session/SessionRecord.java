package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the cluster keeps about one client id, and the rules that change it: who holds its
 * connection (owner node and connection epoch), its will, and for a persistent session its subscriptions,
 * its queue ({@link SessionQueue}) and its QoS 2 receive state ({@link InboundQos2}).
 *
 * <p>It is the value of the sessions map: one Hazelcast partition (the client id's) with a synchronous
 * backup, changed only by entry processors, which run one at a time per key on the partition's thread and
 * again on the backup with the same input. So every rule here is deterministic (times come in as
 * arguments) and atomic with respect to the others: taking the session over, queueing a message and
 * acknowledging one cannot interleave.
 *
 * <p><b>Fencing.</b> Every claim increments the epoch; a connection's decisions (subscriptions, its QoS 2
 * receive state, ending the session) apply only while its epoch is current, so an older connection that
 * has not noticed it was taken over cannot undo the new one's work. Facts about the client (it
 * acknowledged a message) apply whatever the epoch: sequence numbers are never reused.
 *
 * <p>The map keeps the OBJECT in-memory format, so rules change the record in place instead of
 * deserialising the whole queue per message.
 */
public final class SessionRecord implements IdentifiedDataSerializable {

    private static final byte FORMAT_VERSION = 6;
    /** expirySeconds of a session that never expires. */
    public static final long NEVER = Long.MAX_VALUE;
    static final long[] NO_SEQS = new long[0];

    String clientId;
    /** Node id of the node holding the connection, or null when the client is offline. */
    String owner;
    /** Incremented by every claim; tells a current connection from an older one of the same client. */
    long epoch;
    /** Random id of this incarnation of the session (a clean start makes a new one); fences cluster-wide entries. */
    long sessionUid;
    /** Seconds the session outlives its connection: 0 ends it with the connection (clean session). */
    long expirySeconds;
    long disconnectedAtMillis;
    int protocolVersion;
    Message will;
    int willDelaySeconds;
    /** When an offline session's delayed will is due (MQTT 5 will delay), 0 when none is pending. */
    long willDueAtMillis;
    // created on first use: a clean session's record needs none of them
    LinkedHashMap<String, SubOptions> subscriptions;
    SessionQueue queue;
    InboundQos2 inbound;
    /** Counts every change of this client id's record, across clean starts (a tie-break of {@link SessionMergePolicy}). */
    long changes;
    /**
     * When the record last changed (wall clock of the member that changed it, never going back): after a split
     * brain the copy changed last wins ({@link SessionMergePolicy}).
     */
    long updatedAtMillis;
    // the last connection's facts, written by its claim (format 6), shown by the admin API
    String user;
    String remote;
    long connectedAtMillis;
    int keepAliveSeconds;

    /** For deserialization only. */
    public SessionRecord() {
    }

    SessionRecord(String clientId) {
        this.clientId = clientId;
    }

    // ------------------------------------------------------------------------------------------ rules

    /**
     * A new connection takes the client id: it becomes the owner with the next epoch. A persistent session
     * that has not expired is resumed unless the connection asks for a clean start. Returns the new record;
     * fills {@code result} (null on the backup replica).
     */
    static SessionRecord claim(SessionRecord old, String clientId, ClaimRequest r, ClaimResult result) {
        boolean resume = old != null && old.persistent() && !r.cleanStart() && !old.expired(r.nowMillis());
        SessionRecord rec = resume ? old : new SessionRecord(clientId);
        if (result != null && old != null) {
            result.previousOwner = old.owner;
            result.previousEpoch = old.epoch;
            result.previousWill = old.owner != null ? old.will : null;
            if (!resume) {
                result.discardedSubscriptions.addAll(old.subscriptions().keySet());
                result.discardedSessionUid = old.sessionUid;
                // the old session ends here: a will it still owed is due now [MQTT-3.1.3-9]
                result.endedWill = old.owner == null && old.willDueAtMillis > 0 ? old.will : null;
            }
        }
        if (!resume) {
            rec.sessionUid = r.sessionUid();
            if (old != null && old.queue != null) {
                rec.queue = old.queue.successor();
            }
        }
        rec.epoch = (old == null ? 0 : old.epoch) + 1;
        rec.changes = (old == null ? 0 : old.changes) + 1;
        rec.updatedAtMillis = Math.max(old == null ? 0 : old.updatedAtMillis, System.currentTimeMillis());
        rec.owner = r.node();
        rec.expirySeconds = r.expirySeconds();
        rec.disconnectedAtMillis = 0;
        rec.protocolVersion = r.protocolVersion();
        rec.will = r.will(); // a delayed will of the resumed session is not published [MQTT-3.1.3-9]
        rec.willDelaySeconds = r.willDelaySeconds();
        rec.willDueAtMillis = 0;
        if (r.hasFacts()) { // else the record keeps the format a member of the release before reads
            rec.user = r.user();
            rec.remote = r.remote();
            rec.connectedAtMillis = r.nowMillis();
            rec.keepAliveSeconds = r.keepAliveSeconds();
        } else {
            rec.user = null;
            rec.remote = null;
            rec.connectedAtMillis = 0;
            rec.keepAliveSeconds = 0;
        }
        if (result != null) {
            result.epoch = rec.epoch;
            result.sessionPresent = resume;
            result.sessionUid = rec.sessionUid;
            result.nextSeq = rec.queue == null ? 1 : rec.queue.nextSeq;
            result.subscriptions.putAll(rec.subscriptions());
        }
        return rec;
    }

    /**
     * The connection ended. A clean session ends with it (the method returns false: remove the record); a
     * persistent one goes offline. The will is returned for publishing when the end was abnormal, unless
     * it is delayed and the session outlives the delay (then it waits in the record).
     */
    boolean release(boolean abnormal, long nowMillis, ReleaseResult result) {
        return release(abnormal, nowMillis, -1, result);
    }

    /**
     * {@link #release(boolean, long, ReleaseResult)} with the session expiry interval an MQTT 5 DISCONNECT set
     * ({@code newExpirySeconds}, -1: unchanged). A stored session given 0 ends at the next expiry sweep, which
     * also removes its subscriptions from routing; a session that was not stored cannot become one [MQTT-3.14.2-2].
     */
    boolean release(boolean abnormal, long nowMillis, long newExpirySeconds, ReleaseResult result) {
        result.released = true;
        Message dueWill = abnormal ? will : null;
        will = null; // [MQTT-3.1.2-10] [MQTT-3.14.4-3]: published once, or discarded on DISCONNECT
        if (!persistent()) {
            result.will = dueWill;
            result.endedSubscriptions.addAll(subscriptions().keySet());
            return false;
        }
        owner = null;
        disconnectedAtMillis = nowMillis;
        if (newExpirySeconds >= 0) {
            expirySeconds = newExpirySeconds == 0xFFFFFFFFL ? NEVER : newExpirySeconds;
        }
        if (dueWill != null && willDelaySeconds > 0) {
            // published after the delay, or when the session ends if that comes first [MQTT-3.1.3-9]
            will = dueWill;
            willDueAtMillis = nowMillis + Math.min(willDelaySeconds, expirySeconds) * 1000L;
        } else {
            result.will = dueWill;
        }
        return true;
    }

    /** An offline session whose expiry has passed. */
    boolean expired(long nowMillis) {
        return owner == null && disconnectedAtMillis > 0 && expirySeconds != NEVER
                && nowMillis - disconnectedAtMillis >= expirySeconds * 1000L;
    }

    /** Offline and either expired or owing a delayed will now. */
    boolean due(long nowMillis) {
        return owner == null && (expired(nowMillis) || (willDueAtMillis > 0 && nowMillis >= willDueAtMillis));
    }

    /**
     * The expiry sweep: publishes a delayed will that is due, and ends an expired session. Returns false when
     * the record is to be removed.
     */
    boolean expire(long nowMillis, ExpireResult result) {
        if (owner != null) {
            return true;
        }
        boolean ends = expired(nowMillis);
        if (will != null && willDueAtMillis > 0 && (ends || nowMillis >= willDueAtMillis)) {
            result.will = will;
            will = null;
            willDueAtMillis = 0;
        }
        if (!ends) {
            return true;
        }
        end(result);
        return false;
    }

    /** The session ends: what the caller cleans up elsewhere goes into {@code result}. */
    private void end(ExpireResult result) {
        result.expired = true;
        result.sessionUid = sessionUid;
        result.subscriptions.addAll(subscriptions().keySet());
        if (queue != null) {
            result.sharedCopies.addAll(queue.takeShared(Long.MAX_VALUE, NO_SEQS));
            result.queuedDropped = queue.size();
        }
    }

    /**
     * An operator deletes the offline session: it ends as an expiry would end it (subscriptions, queue and
     * shared copies returned for clean-up), but a will it still owes is dropped, not published. False (keep the
     * record) when a connection holds it.
     */
    boolean delete(ExpireResult result) {
        if (owner != null) {
            return false;
        }
        end(result);
        return true;
    }

    /** SUBSCRIBE / UNSUBSCRIBE of the connection of {@code connEpoch}; false when that connection is not current. */
    boolean updateSubscriptions(long connEpoch, Map<String, SubOptions> added, List<String> removed) {
        if (connEpoch != epoch) {
            return false;
        }
        removed.forEach(subs()::remove);
        subs().putAll(added);
        return true;
    }

    SessionQueue queue() {
        if (queue == null) {
            queue = new SessionQueue();
        }
        return queue;
    }

    InboundQos2 inbound() {
        if (inbound == null) {
            inbound = new InboundQos2();
        }
        return inbound;
    }

    private LinkedHashMap<String, SubOptions> subs() {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>(4);
        }
        return subscriptions;
    }

    // ------------------------------------------------------------------------------------------ reading

    public String clientId() {
        return clientId;
    }

    public String owner() {
        return owner;
    }

    public long epoch() {
        return epoch;
    }

    public long sessionUid() {
        return sessionUid;
    }

    public boolean persistent() {
        return expirySeconds > 0;
    }

    public long expirySeconds() {
        return expirySeconds;
    }

    public long disconnectedAtMillis() {
        return disconnectedAtMillis;
    }

    public Message will() {
        return will;
    }

    public int willDelaySeconds() {
        return willDelaySeconds;
    }

    public long willDueAtMillis() {
        return willDueAtMillis;
    }

    public int protocolVersion() {
        return protocolVersion;
    }

    public Map<String, SubOptions> subscriptions() {
        return subscriptions == null ? Map.of() : subscriptions;
    }

    public int queueSize() {
        return queue == null ? 0 : queue.size();
    }

    public Iterable<QueuedMessage> queued() {
        return queue == null ? List.of() : queue.view();
    }

    /** QoS 2 packet ids received from the client and not released yet. */
    public int inboundQos2Count() {
        return inbound == null ? 0 : inbound.size();
    }

    /** Counts a change; every rule that writes the record back goes through here. */
    SessionRecord changed() {
        changes++;
        updatedAtMillis = Math.max(updatedAtMillis, System.currentTimeMillis());
        return this;
    }

    public long changes() {
        return changes;
    }

    public long updatedAtMillis() {
        return updatedAtMillis;
    }

    /** The user name the last connection authenticated as, or null. */
    public String user() {
        return user;
    }

    /** The last connection's client address, or null. */
    public String remote() {
        return remote;
    }

    /** When the last connection claimed the session (0: before format 6). */
    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    public int keepAliveSeconds() {
        return keepAliveSeconds;
    }

    /** When an offline persistent session expires, or 0 (connected, or it never does). */
    public long expiresAtMillis() {
        if (owner != null || disconnectedAtMillis == 0 || expirySeconds == NEVER || expirySeconds <= 0) {
            return 0;
        }
        return disconnectedAtMillis + expirySeconds * 1000L;
    }

    // ------------------------------------------------------------------------------------------ format

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        // the newest format only when its addition is there, so a node of the release before reads the rest
        // (an upgrade restarts one node at a time)
        int version = connectedAtMillis > 0 ? 6 : queue != null && queue.hasResent() ? 5 : 4;
        out.writeByte(version);
        Wire.writeString(out, clientId);
        Wire.writeString(out, owner);
        out.writeLong(epoch);
        out.writeLong(sessionUid);
        out.writeLong(expirySeconds);
        out.writeLong(disconnectedAtMillis);
        out.writeByte(protocolVersion);
        Message.writeNullable(out, will);
        out.writeInt(willDelaySeconds);
        out.writeLong(willDueAtMillis);
        out.writeInt(subscriptions().size());
        for (Map.Entry<String, SubOptions> e : subscriptions().entrySet()) {
            Wire.writeString(out, e.getKey());
            e.getValue().writeTo(out);
        }
        out.writeBoolean(queue != null);
        if (queue != null) {
            queue.writeTo(out, version);
        }
        out.writeBoolean(inbound != null && !inbound.isEmpty());
        if (inbound != null && !inbound.isEmpty()) {
            inbound.writeTo(out);
        }
        out.writeLong(changes);
        out.writeLong(updatedAtMillis);
        if (version >= 6) {
            Wire.writeString(out, user);
            Wire.writeString(out, remote);
            out.writeLong(connectedAtMillis);
            out.writeInt(keepAliveSeconds);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        byte version = in.readByte();
        if (version == 1) {
            readVersion1(in);
            return;
        }
        if (version < 2 || version > FORMAT_VERSION) {
            throw new IOException("unknown session record format version " + version);
        }
        clientId = Wire.readString(in);
        owner = Wire.readString(in);
        epoch = in.readLong();
        sessionUid = in.readLong();
        expirySeconds = in.readLong();
        disconnectedAtMillis = in.readLong();
        protocolVersion = in.readByte();
        will = Message.readNullable(in);
        willDelaySeconds = in.readInt();
        willDueAtMillis = in.readLong();
        readSubscriptions(in);
        queue = in.readBoolean() ? SessionQueue.readFrom(in, version) : null;
        inbound = in.readBoolean() ? InboundQos2.readFrom(in) : null;
        changes = version >= 3 ? in.readLong() : 0; // version 2 had no change count
        updatedAtMillis = version >= 4 ? in.readLong() : 0; // nor version 3 a change time
        if (version >= 6) { // version 5 had no connection facts
            user = Wire.readString(in);
            remote = Wire.readString(in);
            connectedAtMillis = in.readLong();
            keepAliveSeconds = in.readInt();
        }
    }

    /** The format of the first release (no session uid, will due time, routed state or seen ids). */
    private void readVersion1(ObjectDataInput in) throws IOException {
        clientId = Wire.readString(in);
        owner = Wire.readString(in);
        epoch = in.readLong();
        expirySeconds = in.readLong();
        disconnectedAtMillis = in.readLong();
        protocolVersion = in.readByte();
        will = Message.readNullable(in);
        willDelaySeconds = in.readInt();
        readSubscriptions(in);
        queue = SessionQueue.readVersion1(in);
        inbound = InboundQos2.readVersion1(in);
    }

    private void readSubscriptions(ObjectDataInput in) throws IOException {
        int subs = in.readInt();
        for (int i = 0; i < subs; i++) {
            subs().put(Wire.readString(in), SubOptions.readFrom(in));
        }
    }

    @Override
    public int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return SerializationIds.SESSION_RECORD;
    }

    @Override
    public String toString() {
        return "SessionRecord{clientId=" + clientId + ", owner=" + owner + ", epoch=" + epoch
                + ", expirySeconds=" + expirySeconds + ", subscriptions=" + subscriptions().size()
                + ", queued=" + queueSize() + "}";
    }
}
