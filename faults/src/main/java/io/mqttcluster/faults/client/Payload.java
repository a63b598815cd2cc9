package io.mqttcluster.faults.client;

import java.nio.charset.StandardCharsets;

/**
 * What a harness message carries, so any receipt names its message: publisher, per-publisher sequence number,
 * the QoS it was published at and the send time (microseconds on the run's clock), as ASCII
 * {@code fh1 <publisher> <seq> <qos> <sentMicros>}.
 */
public record Payload(String publisher, long seq, int qos, long sentMicros) {

    private static final String MAGIC = "fh1";

    public byte[] encode() {
        return (MAGIC + ' ' + publisher + ' ' + seq + ' ' + qos + ' ' + sentMicros).getBytes(StandardCharsets.US_ASCII);
    }

    /** The payload, or null when the bytes are not one of ours. */
    public static Payload decode(byte[] bytes) {
        String[] parts = new String(bytes, StandardCharsets.US_ASCII).split(" ");
        if (parts.length != 5 || !MAGIC.equals(parts[0])) {
            return null;
        }
        try {
            return new Payload(parts[1], Long.parseLong(parts[2]), Integer.parseInt(parts[3]), Long.parseLong(parts[4]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The message's identity across the run: publisher and sequence number. */
    public String key() {
        return publisher + "#" + seq;
    }
}
