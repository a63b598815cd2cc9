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

/** The outcome of a connection ending: the will to publish now, if any. */
public final class ReleaseResult implements IdentifiedDataSerializable {
    boolean released;
    Message will;
    String clientId;
    final List<String> endedSubscriptions = new ArrayList<>();
    final List<QueuedMessage> sharedCopies = new ArrayList<>();

    public ReleaseResult() {
    }

    ReleaseResult(String clientId) {
        this.clientId = clientId;
    }

    /** False when the connection was no longer the session's owner (taken over): nothing was changed. */
    public boolean released() {
        return released;
    }

    /** The will to publish now; null when there is none, or when it is delayed (the expiry sweep publishes it). */
    public Message will() {
        return will;
    }

    public String clientId() {
        return clientId;
    }

    /** Subscriptions of a session that ended with its connection (their cluster entries go too). */
    public List<String> endedSubscriptions() {
        return endedSubscriptions;
    }

    /** Messages of a persistent session that came through a shared group and were not finished: for other members. */
    public List<QueuedMessage> sharedCopies() {
        return sharedCopies;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeBoolean(released);
        Message.writeNullable(out, will);
        Wire.writeString(out, clientId);
        Wire.writeStrings(out, endedSubscriptions);
        out.writeInt(sharedCopies.size());
        for (QueuedMessage q : sharedCopies) {
            q.writeTo(out);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        released = in.readBoolean();
        will = Message.readNullable(in);
        clientId = Wire.readString(in);
        endedSubscriptions.addAll(Wire.readStringList(in));
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
        return SerializationIds.RELEASE_RESULT;
    }
}
