package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** What the expiry sweep did to one offline session, and what is left for the caller to do. */
public final class ExpireResult implements IdentifiedDataSerializable {
    boolean expired;
    long sessionUid;
    Message will;
    int queuedDropped;
    final List<String> subscriptions = new ArrayList<>();
    final List<QueuedMessage> sharedCopies = new ArrayList<>();

    public ExpireResult() {
    }

    /** The session ended and its record is gone. */
    public boolean expired() {
        return expired;
    }

    /** The id of the ended session: its cluster-wide subscription entries carry it. */
    public long sessionUid() {
        return sessionUid;
    }

    /** A will to publish now (its delay passed, or the session ended first), or null. */
    public Message will() {
        return will;
    }

    /** Subscriptions of the ended session (their cluster entries go too). */
    public List<String> subscriptions() {
        return subscriptions;
    }

    /** Messages that came through a shared group and were not delivered: they go to another member. */
    public List<QueuedMessage> sharedCopies() {
        return sharedCopies;
    }

    /** Other messages still queued, dropped with the session. */
    public int queuedDropped() {
        return queuedDropped;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeBoolean(expired);
        out.writeLong(sessionUid);
        Message.writeNullable(out, will);
        out.writeInt(queuedDropped);
        Wire.writeStrings(out, subscriptions);
        out.writeInt(sharedCopies.size());
        for (QueuedMessage q : sharedCopies) {
            q.writeTo(out);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        expired = in.readBoolean();
        sessionUid = in.readLong();
        will = Message.readNullable(in);
        queuedDropped = in.readInt();
        subscriptions.addAll(Wire.readStringList(in));
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            sharedCopies.add(QueuedMessage.readFrom(in));
        }
    }

    @Override
    public int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return SerializationIds.EXPIRE_RESULT;
    }
}
