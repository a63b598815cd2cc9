package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.fuzz.FuzzStats;
import io.mqttcluster.broker.fuzz.Mutation;
import io.mqttcluster.broker.testing.RawClient;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the node's MQTT input path, 3.1.1 and 5.0: Netty's MqttDecoder (with mqtt.max-packet-size) and what reads
 * its packets ({@link MqttConnection}, {@link NettyPackets}, {@link Mqtt5Properties}, {@link Mqtt5Session}), in the
 * node's real pipeline ({@link EmbeddedNode}). Inputs: random bytes; valid sessions (CONNECT with properties and will,
 * SUBSCRIBE, PUBLISH of QoS 0/1/2 with properties, UNSUBSCRIBE, PINGREQ) before and after blind mutations, in random
 * splits; and sessions broken in known ways. What must hold: no exception of our own code, allocation bounded
 * whatever a packet announces, a valid session answered in full, a known-bad packet closes the connection.
 */
class MqttDecoderFuzzTest {

    static final String PARSER_311 = "node-mqtt-3.1.1";
    static final String PARSER_5 = "node-mqtt-5.0";

    static EmbeddedNode node;

    @BeforeContainer
    static void start() throws Exception {
        node = new EmbeddedNode(Map.of());
        node.warmUp();
    }

    @AfterContainer
    static void stop() throws Exception {
        node.close();
        FuzzStats.print();
    }

    // ------------------------------------------------------------------ properties

    @Property
    void randomBytes_closeOrWait_neverBreakTheNode(@ForAll("randomBytes") byte[] bytes, @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(PARSER_311);
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, split(bytes, splits), null);
        node.assertHealthy(o, bytes.length);
        if (bytes.length >= 2 && (bytes[0] & 0xF0) != 0x10) {
            // closed at once, or (when the decoder waits for more of a packet) left to the CONNECT deadline: never
            // answered as if connected
            assertThat(o.sent()).as("answer to a first packet that is not CONNECT").isEmpty();
        }
    }

    @Property
    void validSessions_areAnsweredInFull(@ForAll("sessions") Session s, @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(s.level() == 5 ? PARSER_5 : PARSER_311);
        byte[] bytes = s.bytes();
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, split(bytes, splits),
                sent -> EmbeddedNode.Packet.split(sent).stream().filter(p -> p.type() != RawClient.PUBLISH).count() >= 1 + s.answers().size());
        node.assertHealthy(o, bytes.length);
        List<EmbeddedNode.Packet> answers = o.packets();
        assertThat(o.closed()).as("closed; sent %s", types(answers)).isFalse();
        assertThat(answers).isNotEmpty();
        assertThat(answers.get(0).type()).isEqualTo(RawClient.CONNACK);
        assertThat(answers.get(0).body()[1]).as("CONNACK code").isZero();
        // the session's own publishes may come back to it through its subscriptions: not counted
        assertThat(types(answers.subList(1, answers.size())).stream().filter(t -> t != RawClient.PUBLISH).toList())
                .isEqualTo(s.answers());
    }

    @Property
    void mutatedSessions_neverBreakTheNode(@ForAll("sessions") Session s, @ForAll("mutations") List<Mutation> mutations,
                                           @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(s.level() == 5 ? PARSER_5 : PARSER_311);
        byte[] bytes = Mutation.applyAll(s.bytes(), mutations);
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, split(bytes, splits),
                EmbeddedNode.SOME_TURNS);
        node.assertHealthy(o, bytes.length);
    }

    @Property
    void knownBadPackets_closeTheConnection(@ForAll("sessions") Session s, @ForAll Fault fault, @ForAll("splits") List<Integer> splits) throws Exception {
        if (fault.v5Only && s.level() != 5) {
            return;
        }
        FuzzStats.count(s.level() == 5 ? PARSER_5 : PARSER_311);
        byte[] bytes = fault.apply(s);
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, split(bytes, splits), null);
        node.assertHealthy(o, bytes.length);
        assertThat(o.closed()).as("%s closes the connection; sent %s", fault, types(o.packets())).isTrue();
    }

    /**
     * Every known fault once, after the same valid MQTT 5 CONNECT: the faults the fuzzing found open (a property that
     * is not the packet's, a second Subscription Identifier, a Topic Alias of 0) among them.
     */
    @Example
    void everyKnownFault_closesAnMqtt5Connection() throws Exception {
        Session s = new Session(5, RawClient.connect5("fz-example", 30, Props.u32(0x11, 60)), List.of(), List.of());
        for (Fault fault : Fault.values()) {
            EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, List.of(fault.apply(s)), null);
            node.assertHealthy(o, 0);
            assertThat(o.closed()).as("%s closes the connection; sent %s", fault, types(o.packets())).isTrue();
        }
    }

    /**
     * Found by the long run: Netty's decoder decodes a partial packet again on every read, and allocates by announced
     * lengths while it does (a password's 2-byte length, a SUBACK's remaining length). A client trickling a CONNECT
     * with a 60,000-byte password one byte per read made the node allocate about 60 KB per byte read.
     */
    @Example
    void aPacketTrickledOneBytePerRead_costsNoMoreThanItsBytes() throws Exception {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        string(v, "MQTT".getBytes(StandardCharsets.US_ASCII));
        v.write(4);
        v.write(0x02 | 0x80 | 0x40); // clean session, user name, password
        v.writeBytes(new byte[]{0, 30});
        string(v, "trickle".getBytes(StandardCharsets.US_ASCII));
        string(v, "user".getBytes(StandardCharsets.US_ASCII));
        string(v, new byte[60_000]);
        byte[] connect = RawClient.packet(0x10, v.toByteArray());
        List<byte[]> oneByteReads = split(java.util.Arrays.copyOf(connect, 400), List.of(1));
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, oneByteReads, null);
        node.assertHealthy(o, 400);
        assertThat(o.closed()).isFalse(); // a slow client, not a bad one: the CONNECT deadline is for it

        // a SUBACK from a client announcing 60,000 bytes: refused at its first byte, before any of it is decoded
        byte[] suback = java.util.Arrays.copyOf(RawClient.packet(0x90, new byte[60_000]), 400);
        EmbeddedNode.Outcome refused = node.run(MqttListener.Transport.TCP,
                List.of(RawClient.connect("fz-suback", true, 30), suback), null);
        node.assertHealthy(refused, 400);
        assertThat(refused.closed()).isTrue();
    }

    /** Found by the long run: packets read together with a refused CONNECT reached a connection without a session. */
    @Example
    void packetsAfterARefusedConnect_inTheSameRead_areDropped() throws Exception {
        byte[] badWill = RawClient.connect(4, "fz-bad-will", true, 30, null, null, 0);
        badWill[9] |= 0x08; // will QoS 1 without a will flag [MQTT-3.1.2-11]
        byte[] bytes = concat(concat(badWill, new byte[]{(byte) 0xC0, 0}), RawClient.subscribe(1, "a", 0));
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, List.of(bytes), null);
        node.assertHealthy(o, bytes.length);
        assertThat(o.closed()).isTrue();
    }

    /**
     * Found by the long run (with the first MqttFrames): a refused CONNECT closed the connection in the middle of a
     * read, and the bytes after it were still framed, so a packet type refused there raised an exception nobody
     * handled any more. A closed connection reads nothing more.
     */
    @Example
    void bytesAfterARefusedConnect_areNotFramedAnyMore() throws Exception {
        byte[] badWill = RawClient.connect5("fz-closed", 30, new byte[0]);
        badWill[9] = 0x08; // will QoS 1 without a will flag [MQTT-3.1.2-11]
        byte[] bytes = concat(badWill, new byte[]{0x01, 0x00}); // then a reserved packet type
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, List.of(bytes), null);
        node.assertHealthy(o, bytes.length);
        assertThat(o.closed()).isTrue();
    }

    // ------------------------------------------------------------------ helpers

    static List<byte[]> split(byte[] bytes, List<Integer> splits) {
        List<byte[]> chunks = new ArrayList<>();
        int at = 0;
        int i = 0;
        while (at < bytes.length) {
            int n = Math.min(bytes.length - at, splits.isEmpty() ? bytes.length : Math.max(1, splits.get(i++ % splits.size())));
            chunks.add(java.util.Arrays.copyOfRange(bytes, at, at + n));
            at += n;
        }
        return chunks;
    }

    static List<Integer> types(List<EmbeddedNode.Packet> packets) {
        return packets.stream().map(EmbeddedNode.Packet::type).toList();
    }

    // ------------------------------------------------------------------ inputs

    /** A valid session: its packets and the packet types the node must answer with after the CONNACK, in order. */
    record Session(int level, byte[] connect, List<byte[]> packets, List<Integer> answers) {
        byte[] bytes() {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(connect);
            packets.forEach(o::writeBytes);
            return o.toByteArray();
        }

        @Override
        public String toString() {
            return "MQTT level " + level + " " + java.util.Arrays.toString(bytes());
        }
    }

    /** One packet a client sends after CONNECT, built for a level, with the answer it gets (0: none). */
    record Op(int kind, String topic, byte[] payload, int qos, List<byte[]> props) {
        byte[] bytes(int level, int packetId) {
            byte[] p = level == 5 ? Props.unique(props) : null;
            return switch (kind) {
                case 0 -> level == 5 ? publish5(topic, payload, qos, packetId, p) : RawClient.publish(topic, payload, qos, false, false, packetId);
                case 1 -> subscribe(level, packetId, filter(), qos);
                case 2 -> unsubscribe(level, packetId, filter());
                default -> new byte[]{(byte) 0xC0, 0}; // PINGREQ
            };
        }

        String filter() {
            return switch (qos) {
                case 0 -> topic;
                case 1 -> topic + "/#";
                default -> "+/" + topic;
            };
        }

        int answer() {
            return switch (kind) {
                case 0 -> qos == 0 ? 0 : qos == 1 ? RawClient.PUBACK : RawClient.PUBREC;
                case 1 -> RawClient.SUBACK;
                case 2 -> RawClient.UNSUBACK;
                default -> RawClient.PINGRESP;
            };
        }
    }

    static byte[] publish5(String topic, byte[] payload, int qos, int packetId, byte[] props) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        string(v, topic.getBytes(StandardCharsets.UTF_8));
        if (qos > 0) {
            v.write(packetId >> 8);
            v.write(packetId);
        }
        Mutation.varInt(v, props.length);
        v.writeBytes(props);
        v.writeBytes(payload);
        return RawClient.packet(0x30 | (qos << 1), v.toByteArray());
    }

    static byte[] subscribe(int level, int packetId, String filter, int qos) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        v.write(packetId >> 8);
        v.write(packetId);
        if (level == 5) {
            v.writeBytes(new byte[]{2, 0x0B, (byte) (packetId % 100 + 1)}); // a subscription identifier
        }
        string(v, filter.getBytes(StandardCharsets.UTF_8));
        v.write(qos);
        return RawClient.packet(0x82, v.toByteArray());
    }

    static byte[] unsubscribe(int level, int packetId, String filter) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        v.write(packetId >> 8);
        v.write(packetId);
        if (level == 5) {
            v.write(0);
        }
        string(v, filter.getBytes(StandardCharsets.UTF_8));
        return RawClient.packet(0xA2, v.toByteArray());
    }

    static void string(ByteArrayOutputStream o, byte[] s) {
        o.write(s.length >> 8);
        o.write(s.length);
        o.writeBytes(s);
    }

    /** MQTT 5 properties, encoded. */
    static final class Props {
        static byte[] u8(int id, int v) {
            return new byte[]{(byte) id, (byte) v};
        }

        static byte[] u16(int id, int v) {
            return new byte[]{(byte) id, (byte) (v >> 8), (byte) v};
        }

        static byte[] u32(int id, long v) {
            return new byte[]{(byte) id, (byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
        }

        static byte[] str(int id, String s) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.write(id);
            string(o, s.getBytes(StandardCharsets.UTF_8));
            return o.toByteArray();
        }

        static byte[] bin(int id, byte[] b) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.write(id);
            string(o, b);
            return o.toByteArray();
        }

        static byte[] pair(String k, String v) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.write(0x26);
            string(o, k.getBytes(StandardCharsets.UTF_8));
            string(o, v.getBytes(StandardCharsets.UTF_8));
            return o.toByteArray();
        }

        /** The properties in order, none but User Property twice. */
        static byte[] unique(List<byte[]> props) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            boolean[] seen = new boolean[256];
            for (byte[] p : props) {
                int id = p[0] & 0xFF;
                if (id == 0x26 || !seen[id]) {
                    seen[id] = true;
                    o.writeBytes(p);
                }
            }
            return o.toByteArray();
        }
    }

    // ------------------------------------------------------------------ generators

    static Arbitrary<String> text(int min, int max) {
        return Arbitraries.strings().withCharRange('\u0020', '\u007E').withCharRange('\u00A0', '\u07FF').ofMinLength(min).ofMaxLength(max);
    }

    static Arbitrary<String> topics() {
        return Arbitraries.strings().withChars("abcxyz019/-_ é").ofMinLength(1).ofMaxLength(20);
    }

    @Provide
    Arbitrary<byte[]> randomBytes() {
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> connectLike = any.map(b -> {
            if (b.length > 0) {
                b[0] = 0x10;
            }
            return b;
        });
        return Arbitraries.frequencyOf(Tuple.of(1, any), Tuple.of(3, connectLike));
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.integers().between(1, 64).list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.some(3, 400);
    }

    static Arbitrary<byte[]> connectProperty() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(0, 3600).map(v -> Props.u32(0x11, v)),
                Arbitraries.integers().between(1, 65_535).map(v -> Props.u16(0x21, v)),
                Arbitraries.longs().between(1024, 0xFFFF_FFFFL).map(v -> Props.u32(0x27, v)),
                Arbitraries.integers().between(0, 65_535).map(v -> Props.u16(0x22, v)),
                Arbitraries.integers().between(0, 1).map(v -> Props.u8(0x19, v)),
                Arbitraries.integers().between(0, 1).map(v -> Props.u8(0x17, v)),
                Combinators.combine(text(0, 8), text(0, 8)).as(Props::pair));
    }

    static Arbitrary<byte[]> publishProperty() {
        return Arbitraries.oneOf(
                Arbitraries.just(Props.u8(0x01, 0)),
                Arbitraries.longs().between(0, 0xFFFF_FFFFL).map(v -> Props.u32(0x02, v)),
                text(0, 10).map(v -> Props.str(0x03, v)),
                topics().map(v -> Props.str(0x08, v)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(10).map(v -> Props.bin(0x09, v)),
                Combinators.combine(text(0, 8), text(0, 8)).as(Props::pair));
    }

    @Provide
    Arbitrary<Session> sessions() {
        return sessionArbitrary();
    }

    /** Valid sessions of MQTT 3.1.1 and 5.0 (also for the WebSocket and PROXY fuzz tests). */
    static Arbitrary<Session> sessionArbitrary() {
        Arbitrary<Integer> level = Arbitraries.of(4, 5);
        Arbitrary<String> clientId = Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(20).map(s -> "fz-" + s);
        Arbitrary<Integer> keepAlive = Arbitraries.integers().between(0, 65_535);
        Arbitrary<List<byte[]>> cprops = connectProperty().list().ofMaxSize(4);
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 3), topics(),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(60), Arbitraries.integers().between(0, 2),
                publishProperty().list().ofMaxSize(4)).as(Op::new);
        Arbitrary<Boolean> will = Arbitraries.of(true, false);
        return Combinators.combine(level, clientId, keepAlive, cprops, op.list().ofMaxSize(6), will, topics())
                .as((lv, id, ka, cp, ops, w, willTopic) -> {
                    byte[] connect;
                    if (lv == 5) {
                        connect = RawClient.connect5(id, ka, Props.unique(cp));
                    } else {
                        connect = w ? RawClient.connect(4, id, true, ka, willTopic, new byte[]{1, 2}, 1)
                                : RawClient.connect(4, id, true, ka, null, null, 0);
                    }
                    List<byte[]> packets = new ArrayList<>();
                    List<Integer> answers = new ArrayList<>();
                    int packetId = 1;
                    for (Op o : ops) {
                        packets.add(o.bytes(lv, packetId++));
                        if (o.answer() != 0) {
                            answers.add(o.answer());
                        }
                    }
                    return new Session(lv, connect, packets, answers);
                });
    }

    /** A packet broken in a way the node must refuse by closing the connection. */
    enum Fault {
        /** A PUBLISH announcing 268 MB (the most MQTT can say), a few bytes sent: refused before they come. */
        HUGE_PUBLISH(false),
        /** A CONNECT announcing 268 MB as the first packet. */
        HUGE_CONNECT(false),
        /** A remaining length of five bytes [MQTT-2.2.3]. */
        FIVE_BYTE_LENGTH(false),
        /** A PUBLISH topic that is not UTF-8 [MQTT-1.5.3-1]. */
        BAD_UTF8_TOPIC(false),
        /** A PUBLISH topic holding U+0000 [MQTT-1.5.4-2]. */
        NUL_IN_TOPIC(false),
        /** A wildcard in a PUBLISH topic [MQTT-3.3.2-2]. */
        WILDCARD_TOPIC(false),
        /** PUBLISH QoS 3 [MQTT-3.3.1-4]. */
        QOS_3(false),
        /** SUBSCRIBE with flags 0000 [MQTT-3.8.1-1]. */
        SUBSCRIBE_FLAGS(false),
        /** A PUBLISH as the first packet [MQTT-3.1.0-1]. */
        PUBLISH_FIRST(false),
        /** A second CONNECT [MQTT-3.1.0-2]. */
        SECOND_CONNECT(false),
        /** A property identifier that does not exist [MQTT 5.0 section 2.2.2.2]. */
        UNKNOWN_PROPERTY(true),
        /**
         * Two Subscription Identifiers in a SUBSCRIBE [MQTT 5.0 section 3.8.2.1.2]. (A repeat of another property,
         * say Content Type twice, cannot be seen: Netty's decoder keeps the last one. See docs/fuzzing.md.)
         */
        DUPLICATE_SUBSCRIPTION_ID(true),
        /** A Session Expiry Interval in a PUBLISH: not one of its properties [MQTT 5.0 section 2.2.2.2]. */
        PROPERTY_NOT_OF_PUBLISH(true),
        /** A Subscription Identifier in a client's PUBLISH [MQTT-3.3.4-6]. */
        SUBSCRIPTION_ID_IN_PUBLISH(true),
        /** A Topic Alias of 0 [MQTT-3.3.2-8]. */
        TOPIC_ALIAS_ZERO(true);

        final boolean v5Only;

        Fault(boolean v5Only) {
            this.v5Only = v5Only;
        }

        byte[] apply(Session s) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            if (this == PUBLISH_FIRST) {
                return RawClient.publish("a", new byte[]{1}, 0, false, false, 0);
            }
            if (this == HUGE_CONNECT) {
                return new byte[]{0x10, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 4, 'M', 'Q', 'T', 'T', (byte) s.level()};
            }
            o.writeBytes(s.connect());
            s.packets().forEach(o::writeBytes);
            int level = s.level();
            o.writeBytes(switch (this) {
                case HUGE_PUBLISH -> new byte[]{0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 1, 'a'};
                case FIVE_BYTE_LENGTH -> new byte[]{0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01};
                case BAD_UTF8_TOPIC -> rawPublish(level, new byte[]{'a', (byte) 0xC3, 0x28}, new byte[0]);
                case NUL_IN_TOPIC -> rawPublish(level, new byte[]{'a', 0, 'b'}, new byte[0]);
                case WILDCARD_TOPIC -> rawPublish(level, "a/+/b".getBytes(StandardCharsets.UTF_8), new byte[0]);
                case QOS_3 -> {
                    byte[] p = rawPublish(level, "a".getBytes(StandardCharsets.UTF_8), new byte[0]);
                    p[0] = 0x36;
                    yield p;
                }
                case SUBSCRIBE_FLAGS -> {
                    byte[] p = subscribe(level, 1, "a/b", 0);
                    p[0] = (byte) 0x80;
                    yield p;
                }
                case SECOND_CONNECT -> s.connect();
                case UNKNOWN_PROPERTY -> rawPublish(level, "a".getBytes(StandardCharsets.UTF_8), new byte[]{0x7F, 0});
                case DUPLICATE_SUBSCRIPTION_ID -> {
                    ByteArrayOutputStream v = new ByteArrayOutputStream();
                    v.writeBytes(new byte[]{0, 9, 4, 0x0B, 1, 0x0B, 2});
                    string(v, "a/b".getBytes(StandardCharsets.UTF_8));
                    v.write(1);
                    yield RawClient.packet(0x82, v.toByteArray());
                }
                case PROPERTY_NOT_OF_PUBLISH -> rawPublish(level, "a".getBytes(StandardCharsets.UTF_8), Props.u32(0x11, 10));
                case SUBSCRIPTION_ID_IN_PUBLISH -> rawPublish(level, "a".getBytes(StandardCharsets.UTF_8), new byte[]{0x0B, 5});
                case TOPIC_ALIAS_ZERO -> rawPublish(level, "a".getBytes(StandardCharsets.UTF_8), Props.u16(0x23, 0));
                default -> throw new IllegalStateException(name());
            });
            return o.toByteArray();
        }

        /** A QoS 0 PUBLISH with raw topic bytes and, for MQTT 5, raw properties. */
        static byte[] rawPublish(int level, byte[] topic, byte[] props) {
            ByteArrayOutputStream v = new ByteArrayOutputStream();
            string(v, topic);
            if (level == 5) {
                Mutation.varInt(v, props.length);
                v.writeBytes(props);
            }
            v.write('x');
            return RawClient.packet(0x30, v.toByteArray());
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
