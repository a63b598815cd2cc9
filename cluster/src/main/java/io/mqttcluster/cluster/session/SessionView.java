package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an operator sees of one session, read where the record lives and never its queue: a summary (for lists) or,
 * {@link #detailed}, also its subscriptions and will. Immutable once built; any thread may read it.
 */
public final class SessionView implements IdentifiedDataSerializable {

    private String clientId;
    private String owner;
    private int protocolVersion;
    private String user;
    private boolean persistent;
    private int queued;
    private int subscriptionCount;
    private long connectedAtMillis;
    private long expiresAtMillis;
    private boolean detailed;
    private String remote;
    private int keepAliveSeconds;
    private long expirySeconds;
    private Map<String, SubOptions> subscriptions = Map.of();
    private String willTopic;
    private int willQos;
    private boolean willRetain;
    private int willDelaySeconds;
    private int willPayloadBytes;

    /** For deserialization only. */
    public SessionView() {
    }

    /** The view of a record; with {@code detailed} its subscriptions and will too. */
    public static SessionView of(SessionRecord rec, boolean detailed) {
        SessionView v = new SessionView();
        v.clientId = rec.clientId();
        v.owner = rec.owner();
        v.protocolVersion = rec.protocolVersion();
        v.user = rec.user();
        v.persistent = rec.persistent();
        v.queued = rec.queueSize();
        v.subscriptionCount = rec.subscriptions().size();
        v.connectedAtMillis = rec.connectedAtMillis();
        v.expiresAtMillis = rec.expiresAtMillis();
        v.detailed = detailed;
        if (detailed) {
            v.remote = rec.remote();
            v.keepAliveSeconds = rec.keepAliveSeconds();
            v.expirySeconds = rec.expirySeconds();
            v.subscriptions = new LinkedHashMap<>(rec.subscriptions());
            Message will = rec.will();
            if (will != null) {
                v.willTopic = will.topic();
                v.willQos = will.qos();
                v.willRetain = will.retain();
                v.willDelaySeconds = rec.willDelaySeconds();
                v.willPayloadBytes = will.payload().length;
            }
        }
        return v;
    }

    public String clientId() {
        return clientId;
    }

    /** Node id of the connection's node, or null when offline. */
    public String owner() {
        return owner;
    }

    public boolean connected() {
        return owner != null;
    }

    public int protocolVersion() {
        return protocolVersion;
    }

    public String user() {
        return user;
    }

    public boolean persistent() {
        return persistent;
    }

    public int queued() {
        return queued;
    }

    /** Subscriptions stored with the session (a clean session's live only on its node). */
    public int subscriptionCount() {
        return subscriptionCount;
    }

    /** When the last connection claimed the session, 0 when unknown. */
    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    /** When an offline persistent session expires, 0 for none. */
    public long expiresAtMillis() {
        return expiresAtMillis;
    }

    public boolean detailed() {
        return detailed;
    }

    public String remote() {
        return remote;
    }

    public int keepAliveSeconds() {
        return keepAliveSeconds;
    }

    /** Seconds the session outlives its connection; {@link SessionRecord#NEVER} for never. */
    public long expirySeconds() {
        return expirySeconds;
    }

    public Map<String, SubOptions> subscriptions() {
        return subscriptions;
    }

    /** The will's topic, or null when there is none. */
    public String willTopic() {
        return willTopic;
    }

    public int willQos() {
        return willQos;
    }

    public boolean willRetain() {
        return willRetain;
    }

    public int willDelaySeconds() {
        return willDelaySeconds;
    }

    public int willPayloadBytes() {
        return willPayloadBytes;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.writeString(out, clientId);
        Wire.writeString(out, owner);
        out.writeByte(protocolVersion);
        Wire.writeString(out, user);
        out.writeBoolean(persistent);
        out.writeInt(queued);
        out.writeInt(subscriptionCount);
        out.writeLong(connectedAtMillis);
        out.writeLong(expiresAtMillis);
        out.writeBoolean(detailed);
        if (detailed) {
            Wire.writeString(out, remote);
            out.writeInt(keepAliveSeconds);
            out.writeLong(expirySeconds);
            out.writeInt(subscriptions.size());
            for (Map.Entry<String, SubOptions> e : subscriptions.entrySet()) {
                Wire.writeString(out, e.getKey());
                e.getValue().writeTo(out);
            }
            Wire.writeString(out, willTopic);
            out.writeByte(willQos);
            out.writeBoolean(willRetain);
            out.writeInt(willDelaySeconds);
            out.writeInt(willPayloadBytes);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        clientId = Wire.readString(in);
        owner = Wire.readString(in);
        protocolVersion = in.readByte();
        user = Wire.readString(in);
        persistent = in.readBoolean();
        queued = in.readInt();
        subscriptionCount = in.readInt();
        connectedAtMillis = in.readLong();
        expiresAtMillis = in.readLong();
        detailed = in.readBoolean();
        if (detailed) {
            remote = Wire.readString(in);
            keepAliveSeconds = in.readInt();
            expirySeconds = in.readLong();
            int n = in.readInt();
            subscriptions = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                subscriptions.put(Wire.readString(in), SubOptions.readFrom(in));
            }
            willTopic = Wire.readString(in);
            willQos = in.readByte();
            willRetain = in.readBoolean();
            willDelaySeconds = in.readInt();
            willPayloadBytes = in.readInt();
        }
    }

    @Override
    public int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return SerializationIds.SESSION_VIEW;
    }
}
