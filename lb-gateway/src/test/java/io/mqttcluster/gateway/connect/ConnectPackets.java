package io.mqttcluster.gateway.connect;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds CONNECT packets byte by byte, for tests (also raw-socket integration tests). */
public final class ConnectPackets {
    private String protocolName = "MQTT";
    private int level = 4;
    private String clientId = "";
    private boolean cleanStart = true;
    private int keepAlive = 60;
    private byte[] properties;
    private String willTopic;
    private byte[] willPayload;
    private int willQos;
    private boolean willRetain;
    private byte[] willProperties;
    private byte[] username;
    private byte[] password;
    private byte[] clientIdRaw;

    public static ConnectPackets v31(String clientId) {
        ConnectPackets p = new ConnectPackets();
        p.protocolName = "MQIsdp";
        p.level = 3;
        p.clientId = clientId;
        return p;
    }

    public static ConnectPackets v311(String clientId) {
        ConnectPackets p = new ConnectPackets();
        p.clientId = clientId;
        return p;
    }

    public static ConnectPackets v5(String clientId) {
        ConnectPackets p = new ConnectPackets();
        p.level = 5;
        p.clientId = clientId;
        p.properties = new byte[0];
        return p;
    }

    public ConnectPackets protocol(String name, int level) {
        this.protocolName = name;
        this.level = level;
        return this;
    }

    public ConnectPackets cleanStart(boolean clean) {
        this.cleanStart = clean;
        return this;
    }

    public ConnectPackets keepAlive(int seconds) {
        this.keepAlive = seconds;
        return this;
    }

    /** MQTT 5 CONNECT properties, already encoded (identifier + value pairs). */
    public ConnectPackets properties(byte[] encoded) {
        this.properties = encoded;
        return this;
    }

    public ConnectPackets will(String topic, byte[] payload, int qos, boolean retain) {
        this.willTopic = topic;
        this.willPayload = payload;
        this.willQos = qos;
        this.willRetain = retain;
        return this;
    }

    /** MQTT 5 will properties, already encoded. */
    public ConnectPackets willProperties(byte[] encoded) {
        this.willProperties = encoded;
        return this;
    }

    public ConnectPackets username(String name) {
        this.username = name.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    public ConnectPackets password(byte[] pw) {
        this.password = pw;
        return this;
    }

    /** Raw client id bytes instead of the UTF-8 of the string (for malformed UTF-8 tests). */
    public ConnectPackets clientIdRaw(byte[] raw) {
        this.clientIdRaw = raw;
        return this;
    }

    public byte[] bytes() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, protocolName.getBytes(StandardCharsets.UTF_8));
        body.write(level);
        int flags = (cleanStart ? 0x02 : 0)
                | (willTopic != null ? 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0) : 0)
                | (password != null ? 0x40 : 0)
                | (username != null ? 0x80 : 0);
        body.write(flags);
        body.write(keepAlive >> 8);
        body.write(keepAlive & 0xFF);
        if (level == 5) {
            byte[] p = properties == null ? new byte[0] : properties;
            varInt(body, p.length);
            body.writeBytes(p);
        }
        string(body, clientIdRaw != null ? clientIdRaw : clientId.getBytes(StandardCharsets.UTF_8));
        if (willTopic != null) {
            if (level == 5) {
                byte[] wp = willProperties == null ? new byte[0] : willProperties;
                varInt(body, wp.length);
                body.writeBytes(wp);
            }
            string(body, willTopic.getBytes(StandardCharsets.UTF_8));
            string(body, willPayload);
        }
        if (username != null) {
            string(body, username);
        }
        if (password != null) {
            string(body, password);
        }
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x10);
        varInt(packet, body.size());
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }

    /** MQTT 5 properties typical of real clients: session expiry, receive maximum, user property. */
    public static byte[] sampleConnectProperties() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x11); // session expiry interval, 4 bytes
        p.writeBytes(new byte[] {0, 0, 0x0E, 0x10});
        p.write(0x21); // receive maximum, 2 bytes
        p.writeBytes(new byte[] {0, 10});
        p.write(0x26); // user property
        string(p, "k".getBytes(StandardCharsets.UTF_8));
        string(p, "v".getBytes(StandardCharsets.UTF_8));
        return p.toByteArray();
    }

    /** MQTT 5 will properties: will delay interval, content type. */
    public static byte[] sampleWillProperties() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x18);
        p.writeBytes(new byte[] {0, 0, 0, 5});
        p.write(0x03);
        string(p, "text/plain".getBytes(StandardCharsets.UTF_8));
        return p.toByteArray();
    }

    static void string(ByteArrayOutputStream out, byte[] s) {
        out.write(s.length >> 8);
        out.write(s.length & 0xFF);
        out.writeBytes(s);
    }

    public static void varInt(ByteArrayOutputStream out, int value) {
        do {
            int b = value % 128;
            value /= 128;
            out.write(value > 0 ? b | 0x80 : b);
        } while (value > 0);
    }

    /** An MQTT 5 property block's content, built property by property (identifier, then the value by its type). */
    public static Props props() {
        return new Props();
    }

    /** Builder of encoded MQTT 5 properties [MQTT 5.0 section 2.2.2.2]. */
    public static final class Props {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Props u8(int id, int value) {
            out.write(id);
            out.write(value);
            return this;
        }

        public Props u16(int id, int value) {
            out.write(id);
            out.write(value >> 8);
            out.write(value);
            return this;
        }

        public Props u32(int id, long value) {
            out.write(id);
            out.write((int) (value >> 24));
            out.write((int) (value >> 16));
            out.write((int) (value >> 8));
            out.write((int) value);
            return this;
        }

        public Props utf8(int id, String value) {
            out.write(id);
            string(out, value.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        public Props binary(int id, byte[] value) {
            out.write(id);
            string(out, value);
            return this;
        }

        public Props pair(int id, String name, String value) {
            out.write(id);
            string(out, name.getBytes(StandardCharsets.UTF_8));
            string(out, value.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /** Raw bytes, for malformed properties. */
        public Props raw(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        public byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Every CONNECT property of MQTT 5.0 [section 3.1.2.11], user properties twice, with an Authentication Method. */
    public static byte[] everyConnectProperty(String authenticationMethod) {
        return props()
                .u32(0x11, 3600) // Session Expiry Interval
                .u16(0x21, 20) // Receive Maximum
                .u32(0x27, 256 * 1024) // Maximum Packet Size
                .u16(0x22, 10) // Topic Alias Maximum
                .u8(0x19, 1) // Request Response Information
                .u8(0x17, 0) // Request Problem Information
                .pair(0x26, "region", "eu-west") // User Property
                .pair(0x26, "region", "eu-central") // the same name again: allowed
                .utf8(0x15, authenticationMethod) // Authentication Method
                .binary(0x16, new byte[] {0, 1, 2, (byte) 0xFF}) // Authentication Data
                .bytes();
    }

    /** Every will property of MQTT 5.0 [section 3.1.3.2]. */
    public static byte[] everyWillProperty() {
        return props()
                .u32(0x18, 30) // Will Delay Interval
                .u8(0x01, 1) // Payload Format Indicator
                .u32(0x02, 600) // Message Expiry Interval
                .utf8(0x03, "application/json") // Content Type
                .utf8(0x08, "replies/dev-1") // Response Topic
                .binary(0x09, new byte[] {9, 8, 7}) // Correlation Data
                .pair(0x26, "k", "v") // User Property
                .pair(0x26, "k2", "") // and another, with an empty value
                .bytes();
    }

    /** A PINGREQ, for "bytes after the CONNECT" tests. */
    public static byte[] pingreq() {
        return new byte[] {(byte) 0xC0, 0x00};
    }
}
