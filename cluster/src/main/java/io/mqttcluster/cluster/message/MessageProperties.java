package io.mqttcluster.cluster.message;

import io.mqttcluster.cluster.serial.Wire;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * The MQTT 5 properties of a PUBLISH that the broker forwards to subscribers (MQTT 5.0 section 3.3.2.3).
 * Every field is optional. Immutable.
 *
 * @param expiresAtMillis  when the message expires (from the message expiry interval), 0 for never
 * @param payloadFormat    payload format indicator, or -1 when absent
 * @param contentType      content type, or null
 * @param responseTopic    response topic, or null
 * @param correlationData  correlation data, or null
 * @param userProperties   user properties as name/value pairs in order, never null
 */
public record MessageProperties(long expiresAtMillis, int payloadFormat, String contentType, String responseTopic,
                                byte[] correlationData, List<String[]> userProperties) {

    public MessageProperties {
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeLong(expiresAtMillis);
        out.writeByte(payloadFormat);
        Wire.writeString(out, contentType);
        Wire.writeString(out, responseTopic);
        Wire.writeBytes(out, correlationData);
        out.writeInt(userProperties.size());
        for (String[] pair : userProperties) {
            Wire.writeString(out, pair[0]);
            Wire.writeString(out, pair[1]);
        }
    }

    static MessageProperties readFrom(DataInput in) throws IOException {
        long expiresAt = in.readLong();
        int format = in.readByte();
        String contentType = Wire.readString(in);
        String responseTopic = Wire.readString(in);
        byte[] correlation = Wire.readBytes(in);
        int n = in.readInt();
        String[][] pairs = new String[n][];
        for (int i = 0; i < n; i++) {
            pairs[i] = new String[]{Wire.readString(in), Wire.readString(in)};
        }
        return new MessageProperties(expiresAt, format, contentType, responseTopic, correlation, List.of(pairs));
    }
}
