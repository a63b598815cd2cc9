package io.mqttcluster.gateway.connect;

/**
 * Reads MQTT's variable byte integer [MQTT-1.5.5] (MQTT 3.1.1: the remaining length encoding [MQTT-2.2.3]), fed one
 * byte at a time so that it works on bytes that arrive in any split. It is the remaining length of every fixed
 * header and the length of an MQTT 5 property block; the gateway's only decoder of it.
 *
 * <p>Encoding: 1 to 4 bytes, 7 bits of value each, least significant group first; a byte's high bit says that
 * another byte follows. So the largest value is 268,435,455 ({@code FF FF FF 7F}), and a 4th byte with its high bit
 * set (a 5th byte announced) is malformed.
 *
 * <p>Mutable; owned by one thread. After {@link Step#DONE} or {@link Step#MALFORMED}, {@link #reset()} it before
 * reading the next integer.
 */
public final class VariableByteInteger {

    /** The largest value that fits in 4 bytes. */
    public static final int MAX_VALUE = 268_435_455;
    /** The most bytes an integer may take. */
    public static final int MAX_BYTES = 4;

    /** Where the reader stands after a byte. */
    public enum Step {
        /** The byte's high bit is set: another byte follows. */
        MORE,
        /** The integer is complete: see {@link #value()} and {@link #length()}. */
        DONE,
        /** A 4th byte with its high bit set: not MQTT. */
        MALFORMED
    }

    private int value;
    private int length;
    private Step last = Step.MORE;

    /**
     * Takes the next byte (its low 8 bits).
     *
     * @throws IllegalStateException when the integer was already complete or malformed
     */
    public Step next(int b) {
        if (last != Step.MORE) {
            throw new IllegalStateException("variable byte integer already read: " + last);
        }
        value |= (b & 0x7F) << (7 * length);
        length++;
        if ((b & 0x80) == 0) {
            last = Step.DONE;
        } else if (length == MAX_BYTES) {
            last = Step.MALFORMED;
        }
        return last;
    }

    /** The value read so far; complete once {@link #next} returned {@link Step#DONE}. */
    public int value() {
        return value;
    }

    /** How many bytes were taken. */
    public int length() {
        return length;
    }

    /** Forgets what was read, to read another integer. */
    public VariableByteInteger reset() {
        value = 0;
        length = 0;
        last = Step.MORE;
        return this;
    }
}
