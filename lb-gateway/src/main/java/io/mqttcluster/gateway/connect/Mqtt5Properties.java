package io.mqttcluster.gateway.connect;

/**
 * Reads the property blocks of an MQTT 5.0 CONNECT: the CONNECT properties [MQTT 5.0 section 3.1.2.11] and the will
 * properties [MQTT 5.0 section 3.1.3.2]. A block is a variable byte integer length, then identifier + value pairs;
 * every value is read by its type (so a user property, a string pair, is two length-prefixed strings), and the block
 * must end exactly at its length.
 *
 * <p>Refused, with the reason code the specification gives [MQTT 5.0 sections 2.2.2.2, 4.13]:
 * <ul>
 * <li>malformed (0x81): an identifier that is not a property of that block (a will property among the CONNECT
 * properties, an unknown number), a value or the block running past its length, an Authentication Method that is
 * not well-formed UTF-8;</li>
 * <li>protocol error (0x82): a property other than User Property given twice, a Receive Maximum or Maximum Packet
 * Size of 0, a Request Response / Problem Information other than 0 or 1, Authentication Data without an
 * Authentication Method.</li>
 * </ul>
 * The content of the other strings and binary data (user properties, content type, response topic) is the node's
 * to check: the gateway only steps over them.
 *
 * <p>Stateless; each call reads one block.
 */
final class Mqtt5Properties {

    /** The property types of MQTT 5.0 [section 2.2.2.2] that a CONNECT can carry. */
    private enum Type { BYTE, TWO_BYTE_INTEGER, FOUR_BYTE_INTEGER, UTF8_STRING, BINARY_DATA, UTF8_STRING_PAIR }

    private record Property(String name, Type type) {
    }

    static final int PAYLOAD_FORMAT_INDICATOR = 0x01;
    static final int MESSAGE_EXPIRY_INTERVAL = 0x02;
    static final int CONTENT_TYPE = 0x03;
    static final int RESPONSE_TOPIC = 0x08;
    static final int CORRELATION_DATA = 0x09;
    static final int SESSION_EXPIRY_INTERVAL = 0x11;
    static final int AUTHENTICATION_METHOD = 0x15;
    static final int AUTHENTICATION_DATA = 0x16;
    static final int REQUEST_PROBLEM_INFORMATION = 0x17;
    static final int WILL_DELAY_INTERVAL = 0x18;
    static final int REQUEST_RESPONSE_INFORMATION = 0x19;
    static final int RECEIVE_MAXIMUM = 0x21;
    static final int TOPIC_ALIAS_MAXIMUM = 0x22;
    static final int USER_PROPERTY = 0x26;
    static final int MAXIMUM_PACKET_SIZE = 0x27;

    /** CONNECT properties by identifier; null = not a CONNECT property. */
    private static final Property[] CONNECT = new Property[128];
    /** Will properties by identifier. */
    private static final Property[] WILL = new Property[128];

    static {
        CONNECT[SESSION_EXPIRY_INTERVAL] = new Property("Session Expiry Interval", Type.FOUR_BYTE_INTEGER);
        CONNECT[RECEIVE_MAXIMUM] = new Property("Receive Maximum", Type.TWO_BYTE_INTEGER);
        CONNECT[MAXIMUM_PACKET_SIZE] = new Property("Maximum Packet Size", Type.FOUR_BYTE_INTEGER);
        CONNECT[TOPIC_ALIAS_MAXIMUM] = new Property("Topic Alias Maximum", Type.TWO_BYTE_INTEGER);
        CONNECT[REQUEST_RESPONSE_INFORMATION] = new Property("Request Response Information", Type.BYTE);
        CONNECT[REQUEST_PROBLEM_INFORMATION] = new Property("Request Problem Information", Type.BYTE);
        CONNECT[USER_PROPERTY] = new Property("User Property", Type.UTF8_STRING_PAIR);
        CONNECT[AUTHENTICATION_METHOD] = new Property("Authentication Method", Type.UTF8_STRING);
        CONNECT[AUTHENTICATION_DATA] = new Property("Authentication Data", Type.BINARY_DATA);

        WILL[WILL_DELAY_INTERVAL] = new Property("Will Delay Interval", Type.FOUR_BYTE_INTEGER);
        WILL[PAYLOAD_FORMAT_INDICATOR] = new Property("Payload Format Indicator", Type.BYTE);
        WILL[MESSAGE_EXPIRY_INTERVAL] = new Property("Message Expiry Interval", Type.FOUR_BYTE_INTEGER);
        WILL[CONTENT_TYPE] = new Property("Content Type", Type.UTF8_STRING);
        WILL[RESPONSE_TOPIC] = new Property("Response Topic", Type.UTF8_STRING);
        WILL[CORRELATION_DATA] = new Property("Correlation Data", Type.BINARY_DATA);
        WILL[USER_PROPERTY] = new Property("User Property", Type.UTF8_STRING_PAIR);
    }

    /** What the gateway keeps of the CONNECT properties. */
    record ConnectProperties(String authenticationMethod, long maximumPacketSize) {
        static final ConnectProperties NONE = new ConnectProperties(null, 0);
    }

    private Mqtt5Properties() {
    }

    /** Reads the CONNECT properties at the cursor (length included). */
    static ConnectProperties readConnect(Cursor c) throws BadConnect {
        Cursor block = c.slice(c.varInt(), "CONNECT property block");
        boolean[] seen = new boolean[128];
        String authenticationMethod = null;
        boolean authenticationData = false;
        long maximumPacketSize = 0;
        while (block.remaining() > 0) {
            int id = identifier(block, CONNECT, seen, "CONNECT");
            switch (id) {
                case RECEIVE_MAXIMUM -> {
                    if (block.u16() == 0) {
                        throw BadConnect.protocolError("Receive Maximum of 0"); // [MQTT 5.0 section 3.1.2.11.3]
                    }
                }
                case MAXIMUM_PACKET_SIZE -> {
                    maximumPacketSize = block.u32();
                    if (maximumPacketSize == 0) {
                        throw BadConnect.protocolError("Maximum Packet Size of 0"); // [MQTT 5.0 section 3.1.2.11.4]
                    }
                }
                case REQUEST_RESPONSE_INFORMATION, REQUEST_PROBLEM_INFORMATION -> {
                    int v = block.u8();
                    if (v > 1) { // [MQTT 5.0 sections 3.1.2.11.6, 3.1.2.11.7]
                        throw BadConnect.protocolError(CONNECT[id].name() + " of " + v + ", not 0 or 1");
                    }
                }
                case AUTHENTICATION_METHOD -> authenticationMethod = block.utf8("Authentication Method");
                case AUTHENTICATION_DATA -> {
                    authenticationData = true;
                    skipValue(block, Type.BINARY_DATA);
                }
                default -> skipValue(block, CONNECT[id].type());
            }
        }
        if (authenticationData && authenticationMethod == null) {
            // [MQTT 5.0 section 3.1.2.11.10]
            throw BadConnect.protocolError("Authentication Data without an Authentication Method");
        }
        return authenticationMethod == null && maximumPacketSize == 0
                ? ConnectProperties.NONE : new ConnectProperties(authenticationMethod, maximumPacketSize);
    }

    /** Steps over the will properties at the cursor (length included), checking their form. */
    static void skipWill(Cursor c) throws BadConnect {
        Cursor block = c.slice(c.varInt(), "will property block");
        boolean[] seen = new boolean[128];
        while (block.remaining() > 0) {
            int id = identifier(block, WILL, seen, "will");
            skipValue(block, WILL[id].type());
        }
    }

    /** The next identifier, known in {@code table} and not repeated (unless a user property). */
    private static int identifier(Cursor block, Property[] table, boolean[] seen, String where) throws BadConnect {
        int id = block.u8();
        // Identifiers are variable byte integers, all of them one byte long in MQTT 5.0: a high bit is none of them.
        if (id >= table.length || table[id] == null) {
            throw BadConnect.malformed(String.format("property 0x%02x is not a %s property", id, where));
        }
        if (id != USER_PROPERTY) {
            if (seen[id]) {
                throw BadConnect.protocolError(table[id].name() + " given twice in the " + where + " properties");
            }
            seen[id] = true;
        }
        return id;
    }

    private static void skipValue(Cursor block, Type type) throws BadConnect {
        switch (type) {
            case BYTE -> block.skip(1, "byte property");
            case TWO_BYTE_INTEGER -> block.skip(2, "two byte integer property");
            case FOUR_BYTE_INTEGER -> block.skip(4, "four byte integer property");
            case UTF8_STRING, BINARY_DATA -> block.skipPrefixed("property value");
            case UTF8_STRING_PAIR -> {
                block.skipPrefixed("user property name");
                block.skipPrefixed("user property value");
            }
        }
    }
}
