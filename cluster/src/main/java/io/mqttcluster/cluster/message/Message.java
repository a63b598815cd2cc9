package io.mqttcluster.cluster.message;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * An application message as the broker stores and moves it: topic, opaque payload, the QoS and RETAIN it
 * was published with, who published it, and the MQTT 5 properties that travel with it. Immutable once
 * built; safe to share between threads and to deliver to many subscribers.
 *
 * <p>{@link #idHigh}/{@link #idLow} identify the message cluster-wide (the node that took it in, and a
 * counter there): queues use the id to drop a second copy when a QoS 2 publisher resends after a crash.
 *
 * <p>Stored form: a format version byte, then the fields (see {@link #writeTo}); the same bytes go into
 * Hazelcast and between nodes.
 */
public final class Message implements IdentifiedDataSerializable {

    private static final byte FORMAT_VERSION = 1;
    private static final byte[] EMPTY = new byte[0];

    private long idHigh;
    private long idLow;
    private String topic;
    private byte[] payload;
    private int qos;
    private boolean retain;
    private String publisherId;
    private long createdAtMillis;
    private MessageProperties properties;

    /** For deserialization only. */
    public Message() {
    }

    public Message(long idHigh, long idLow, String topic, byte[] payload, int qos, boolean retain,
                   String publisherId, long createdAtMillis, MessageProperties properties) {
        this.idHigh = idHigh;
        this.idLow = idLow;
        this.topic = topic;
        this.payload = payload == null ? EMPTY : payload;
        this.qos = qos;
        this.retain = retain;
        this.publisherId = publisherId;
        this.createdAtMillis = createdAtMillis;
        this.properties = properties;
    }

    public long idHigh() {
        return idHigh;
    }

    public long idLow() {
        return idLow;
    }

    public boolean sameId(Message other) {
        return other.idHigh == idHigh && other.idLow == idLow;
    }

    public String topic() {
        return topic;
    }

    /** The payload bytes; callers must not modify them. */
    public byte[] payload() {
        return payload;
    }

    public int qos() {
        return qos;
    }

    public boolean retain() {
        return retain;
    }

    public String publisherId() {
        return publisherId;
    }

    public long createdAtMillis() {
        return createdAtMillis;
    }

    /** MQTT 5 properties, or null when there are none. */
    public MessageProperties properties() {
        return properties;
    }

    /** True when the message has a message expiry interval that has passed. */
    public boolean isExpired(long nowMillis) {
        return properties != null && properties.expiresAtMillis() > 0 && nowMillis >= properties.expiresAtMillis();
    }

    /**
     * The seconds of its message expiry interval left at {@code nowMillis}, rounded up (what a subscriber is sent,
     * MQTT 5.0 section 3.3.2.3.3); -1 when it never expires.
     */
    public long remainingExpirySeconds(long nowMillis) {
        if (properties == null || properties.expiresAtMillis() <= 0) {
            return -1;
        }
        return Math.max(0, (properties.expiresAtMillis() - nowMillis + 999) / 1000);
    }

    /**
     * The same message published now (a will, built at CONNECT and published when the connection ends): its expiry
     * interval counts from now.
     */
    public Message publishedAt(long nowMillis) {
        MessageProperties p = properties;
        if (p != null && p.expiresAtMillis() > 0) {
            p = new MessageProperties(nowMillis + (p.expiresAtMillis() - createdAtMillis), p.payloadFormat(), p.contentType(),
                    p.responseTopic(), p.correlationData(), p.userProperties());
        }
        return new Message(idHigh, idLow, topic, payload, qos, retain, publisherId, nowMillis, p);
    }

    /** The same message under another id (a QoS 2 re-send routed again under its first id). */
    public Message withId(long newHigh, long newLow) {
        return new Message(newHigh, newLow, topic, payload, qos, retain, publisherId, createdAtMillis, properties);
    }

    /** The same message with another RETAIN flag (and nothing else changed). */
    public Message withRetain(boolean newRetain) {
        if (newRetain == retain) {
            return this;
        }
        return new Message(idHigh, idLow, topic, payload, qos, newRetain, publisherId, createdAtMillis, properties);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        out.writeLong(idHigh);
        out.writeLong(idLow);
        writeString(out, topic);
        out.writeInt(payload.length);
        out.write(payload);
        out.writeByte(qos | (retain ? 0x80 : 0));
        writeString(out, publisherId);
        out.writeLong(createdAtMillis);
        out.writeBoolean(properties != null);
        if (properties != null) {
            properties.writeTo(out);
        }
    }

    public static Message readFrom(DataInput in) throws IOException {
        Message m = new Message();
        m.readFields(in);
        return m;
    }

    private void readFields(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version != FORMAT_VERSION) {
            throw new IOException("unknown message format version " + version);
        }
        idHigh = in.readLong();
        idLow = in.readLong();
        topic = readString(in);
        int length = in.readInt();
        payload = length == 0 ? EMPTY : new byte[length];
        in.readFully(payload);
        int flags = in.readUnsignedByte();
        qos = flags & 0x03;
        retain = (flags & 0x80) != 0;
        publisherId = readString(in);
        createdAtMillis = in.readLong();
        properties = in.readBoolean() ? MessageProperties.readFrom(in) : null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        writeTo(out);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        readFields(in);
    }

    @Override
    public int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return SerializationIds.MESSAGE;
    }

    /** A message or null: a presence flag, then the message. */
    public static void writeNullable(DataOutput out, Message m) throws IOException {
        out.writeBoolean(m != null);
        if (m != null) {
            m.writeTo(out);
        }
    }

    public static Message readNullable(DataInput in) throws IOException {
        return in.readBoolean() ? readFrom(in) : null;
    }

    /** A nullable string; see {@link Wire#writeString}. */
    public static void writeString(DataOutput out, String s) throws IOException {
        Wire.writeString(out, s);
    }

    public static String readString(DataInput in) throws IOException {
        return Wire.readString(in);
    }

    @Override
    public String toString() {
        return "Message{topic=" + topic + ", qos=" + qos + ", retain=" + retain + ", bytes=" + payload.length
                + ", publisher=" + publisherId + ", id=" + Long.toHexString(idHigh) + ":" + idLow + "}";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Message m)) {
            return false;
        }
        return idHigh == m.idHigh && idLow == m.idLow && qos == m.qos && retain == m.retain
                && topic.equals(m.topic) && Arrays.equals(payload, m.payload);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(idHigh) * 31 + Long.hashCode(idLow);
    }
}
