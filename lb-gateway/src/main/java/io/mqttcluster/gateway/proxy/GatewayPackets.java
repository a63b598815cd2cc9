package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.connect.ReasonCodes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The only MQTT packets the gateway writes itself, and which reason code each one carries:
 * <ul>
 * <li>to a node, in the client's name, when a planned move ends the client's session there: DISCONNECT with
 * remaining length 0, "normal disconnection" in every MQTT version (no will is published);</li>
 * <li>to an MQTT 5.0 client whose CONNECT the gateway refuses: CONNACK with a reason code of 0x80 or more
 * [MQTT 5.0 section 3.2.2.2], no properties;</li>
 * <li>to an MQTT 3.1 or 3.1.1 client whose client id is banned (flapping): CONNACK with return code 0x03, Server
 * unavailable [MQTT 3.1.1 section 3.2.2.3]; a server that refuses a CONNECT with a non-zero return code closes the
 * connection after it [MQTT-3.2.2-5];</li>
 * <li>to an MQTT 5.0 client that a drain or a rebalance moves: DISCONNECT with a reason code and a Reason String
 * [MQTT 5.0 section 3.14.2]: 0x8B (Server shutting down) for a drain, 0x9C (Use another server) for a
 * rebalance.</li>
 * </ul>
 * Packets for a client respect the Maximum Packet Size it gave in its CONNECT: the Reason String is left out when it
 * would not fit [MQTT-3.14.2-3], and nothing is sent when even the bare packet would not [MQTT-3.1.2-24]. MQTT 3.1
 * and 3.1.1 clients get no other packet: those versions have no reason codes a server may send after CONNECT, and
 * their CONNACK return codes say nothing of a node that is missing or a packet that is malformed.
 *
 * <p>Stateless.
 */
final class GatewayPackets {
    /** DISCONNECT, remaining length 0: "normal disconnection" in every MQTT version. */
    static final byte[] DISCONNECT_NORMAL = {(byte) 0xE0, 0x00};

    private static final int CONNACK = 0x20;
    private static final int DISCONNECT = 0xE0;
    private static final int REASON_STRING = 0x1F;

    private GatewayPackets() {
    }

    /**
     * The DISCONNECT reason code a 5.0 client gets when a move of this kind closes its connection. A node that is
     * down is left without any packet (ClientConnection closes at once); its code is only there for completeness.
     */
    static int reasonCode(MoveReason reason) {
        return switch (reason) {
            case REBALANCE -> ReasonCodes.USE_ANOTHER_SERVER;
            case DRAIN, NODE_DOWN -> ReasonCodes.SERVER_SHUTTING_DOWN;
        };
    }

    /** The Reason String that goes with it: for people reading a client's log, not for programs. */
    static String reasonString(MoveReason reason) {
        return switch (reason) {
            case REBALANCE -> "gateway rebalance: another node serves this client id now, reconnect";
            case DRAIN, NODE_DOWN -> "gateway drain: this client's node is stopping, reconnect";
        };
    }

    /**
     * An MQTT 5.0 CONNACK refusing the connection: session present 0, {@code reasonCode}, no properties. Null when
     * the client's Maximum Packet Size ({@code clientMaximum}, 0 = none given) is below its 5 bytes.
     */
    static byte[] connackRefusal(int reasonCode, long clientMaximum) {
        byte[] p = {CONNACK, 0x03, 0x00, (byte) reasonCode, 0x00};
        return fits(p.length, clientMaximum) ? p : null;
    }

    /** An MQTT 3.1 / 3.1.1 CONNACK refusing the connection: session present 0, {@code returnCode} (1 to 5). */
    static byte[] connackRefusalV3(int returnCode) {
        return new byte[] {CONNACK, 0x02, 0x00, (byte) returnCode};
    }

    /**
     * An MQTT 5.0 DISCONNECT with {@code reasonCode} and, when it fits the client's Maximum Packet Size
     * ({@code clientMaximum}, 0 = none given), a Reason String property. Null when not even the 3-byte form fits.
     */
    static byte[] disconnect(int reasonCode, String reasonString, long clientMaximum) {
        byte[] text = reasonString == null ? new byte[0] : reasonString.getBytes(StandardCharsets.UTF_8);
        if (text.length > 0 && text.length <= 0xFFFF) {
            int properties = 1 + 2 + text.length;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(reasonCode);
            varInt(body, properties);
            body.write(REASON_STRING);
            body.write(text.length >> 8);
            body.write(text.length);
            body.writeBytes(text);
            ByteArrayOutputStream packet = new ByteArrayOutputStream();
            packet.write(DISCONNECT);
            varInt(packet, body.size());
            packet.writeBytes(body.toByteArray());
            if (fits(packet.size(), clientMaximum)) {
                return packet.toByteArray();
            }
        }
        // Remaining length 1: the reason code alone, the property length taken as 0 [MQTT 5.0 section 3.14.2.2.1].
        byte[] bare = {(byte) DISCONNECT, 0x01, (byte) reasonCode};
        return fits(bare.length, clientMaximum) ? bare : null;
    }

    private static boolean fits(int size, long clientMaximum) {
        return clientMaximum == 0 || size <= clientMaximum;
    }

    private static void varInt(ByteArrayOutputStream out, int value) {
        do {
            int b = value & 0x7F;
            value >>>= 7;
            out.write(value > 0 ? b | 0x80 : b);
        } while (value > 0);
    }
}
