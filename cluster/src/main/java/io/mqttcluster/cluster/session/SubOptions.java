package io.mqttcluster.cluster.session;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The options of one subscription: granted QoS and the MQTT 5 subscription options (section 3.8.3.1).
 * For MQTT 3.1.1 clients only {@code qos} is set. Immutable.
 *
 * @param qos               the granted maximum QoS
 * @param noLocal           do not deliver messages this client published itself
 * @param retainAsPublished keep the RETAIN flag of forwarded messages
 * @param retainHandling    0 send retained on subscribe, 1 only for a new subscription, 2 never
 * @param subscriptionId    MQTT 5 subscription identifier, 0 when none
 */
public record SubOptions(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling, int subscriptionId) {

    public static SubOptions ofQos(int qos) {
        return new SubOptions(qos, false, false, 0, 0);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(qos | (noLocal ? 0x04 : 0) | (retainAsPublished ? 0x08 : 0) | (retainHandling << 4));
        out.writeInt(subscriptionId);
    }

    public static SubOptions readFrom(DataInput in) throws IOException {
        int b = in.readUnsignedByte();
        int id = in.readInt();
        return new SubOptions(b & 0x03, (b & 0x04) != 0, (b & 0x08) != 0, (b >> 4) & 0x03, id);
    }
}
