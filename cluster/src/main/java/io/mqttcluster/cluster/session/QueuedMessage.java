package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.serial.Wire;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * One message in a persistent session's queue. Immutable: a change of state replaces the entry.
 *
 * <p>The sequence number is given by the queue and never reused within one session incarnation; the
 * outgoing packet id is derived from it ({@code seq % 65535 + 1}), so a node that takes over the session
 * after a crash resends a message with the same packet id the client saw, which is what lets a QoS 2
 * receiver recognise a duplicate.
 *
 * @param seq        position in the session's queue
 * @param message    the message
 * @param qos        the QoS it is delivered with: min(published, granted)
 * @param flags      {@link #PUBREL_SENT}, {@link #MAYBE_SENT}, {@link #RETAIN}
 * @param shareGroup the shared subscription group it was routed through, or null
 * @param subscriptionIds MQTT 5 subscription identifiers of the matching subscriptions, may be empty
 */
public record QueuedMessage(long seq, Message message, int qos, int flags, String shareGroup, int[] subscriptionIds) {

    /** The client acknowledged with PUBREC and we sent (or are about to send) PUBREL: resend PUBREL, not PUBLISH. */
    public static final int PUBREL_SENT = 1;
    /** Queued while the session was connected: it may have been sent, so a resend carries DUP=1. */
    public static final int MAYBE_SENT = 2;
    /** Deliver with RETAIN=1 (sent because of a new subscription, or retain-as-published). */
    public static final int RETAIN = 4;

    private static final int[] NO_IDS = new int[0];

    public QueuedMessage {
        if (subscriptionIds == null) {
            subscriptionIds = NO_IDS;
        }
    }

    public boolean pubrelSent() {
        return (flags & PUBREL_SENT) != 0;
    }

    public boolean maybeSent() {
        return (flags & MAYBE_SENT) != 0;
    }

    public boolean retainFlag() {
        return (flags & RETAIN) != 0;
    }

    public QueuedMessage withFlags(int newFlags) {
        return new QueuedMessage(seq, message, qos, newFlags, shareGroup, subscriptionIds);
    }

    /** The MQTT packet id this message is sent with. */
    public int packetId() {
        return packetIdOf(seq);
    }

    public static int packetIdOf(long seq) {
        return (int) (seq % 65_535) + 1;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeLong(seq);
        message.writeTo(out);
        out.writeByte(qos);
        out.writeByte(flags);
        Wire.writeString(out, shareGroup);
        Wire.writeInts(out, subscriptionIds);
    }

    public static QueuedMessage readFrom(DataInput in) throws IOException {
        long seq = in.readLong();
        Message message = Message.readFrom(in);
        int qos = in.readByte();
        int flags = in.readByte();
        String group = Wire.readString(in);
        int[] ids = Wire.readInts(in);
        return new QueuedMessage(seq, message, qos, flags, group, ids);
    }
}
