package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.fuzz.FuzzStats;
import io.mqttcluster.broker.fuzz.Mutation;
import io.mqttcluster.broker.testing.RawClient;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the node's PROXY protocol input (mqtt.proxy-protocol): Netty's HAProxyMessageDecoder (v1 text and v2 binary
 * headers with TLVs), {@link MqttConnection}'s use of the header and {@link ProxiedTls}, then the MQTT decoder, in
 * the node's real pipeline ({@link EmbeddedNode}). Inputs: random bytes; valid v1 and v2 headers (IPv4, IPv6, LOCAL,
 * UNKNOWN, an SSL TLV with a CN, other TLVs) followed by a valid session, before and after mutations; and known-bad
 * headers. What must hold: no exception of ours, bounded allocation, the client's address and certificate name taken
 * from a valid header, a session behind it answered, a connection without a valid header closed.
 */
class ProxyProtocolFuzzTest {

    static final String PARSER = "node-proxy-protocol";
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    static EmbeddedNode node;

    @BeforeContainer
    static void start() throws Exception {
        node = new EmbeddedNode(Map.of("mqtt.proxy-protocol", "true", "mqtt.proxy-protocol-trusted", "127.0.0.1"));
        byte[] connect = RawClient.connect("proxy-warm-up", true, 30);
        byte[] v1 = "PROXY TCP4 1.2.3.4 5.6.7.8 1000 1883\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 300; i++) {
            node.run(MqttListener.Transport.TCP, List.of(MqttDecoderFuzzTest.concat(v1, connect)), sent -> sent.length > 0);
            node.run(MqttListener.Transport.TCP, List.of(connect), null);
        }
        node.logs.events.clear();
    }

    @AfterContainer
    static void stop() throws Exception {
        node.close();
        FuzzStats.print();
    }

    @Property
    void randomBytes_neverBreakTheNode(@ForAll("randomHeaders") byte[] bytes, @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(PARSER);
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, MqttDecoderFuzzTest.split(bytes, splits), null);
        node.assertHealthy(o, bytes.length);
        assertThat(o.sent()).as("no answer before a valid header").isEmpty();
    }

    @Property
    void validHeaders_giveTheClientsAddress_andTheSessionBehindIsAnswered(@ForAll("headers") Header h,
                                                                           @ForAll("sessions") MqttDecoderFuzzTest.Session s,
                                                                           @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(PARSER);
        byte[] bytes = MqttDecoderFuzzTest.concat(h.bytes(), s.bytes());
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, MqttDecoderFuzzTest.split(bytes, splits),
                sent -> EmbeddedNode.Packet.split(sent).stream().filter(p -> p.type() != RawClient.PUBLISH).count() >= 1 + s.answers().size());
        node.assertHealthy(o, bytes.length);
        assertThat(o.closed()).isFalse();
        List<EmbeddedNode.Packet> answers = o.packets().stream().filter(p -> p.type() != RawClient.PUBLISH).toList();
        assertThat(answers.get(0).type()).isEqualTo(RawClient.CONNACK);
        assertThat(MqttDecoderFuzzTest.types(answers.subList(1, answers.size()))).isEqualTo(s.answers());
        if (h.remote() != null) {
            assertThat(o.connection().remoteAddress()).isEqualTo(h.remote());
        }
        assertThat(o.connection().certificateName()).isEqualTo(h.certificateName());
    }

    @Property
    void mutatedHeaders_neverBreakTheNode(@ForAll("headers") Header h, @ForAll("sessions") MqttDecoderFuzzTest.Session s,
                                          @ForAll("mutations") List<Mutation> mutations,
                                          @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(PARSER);
        byte[] bytes = Mutation.applyAll(MqttDecoderFuzzTest.concat(h.bytes(), s.connect()), mutations);
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, MqttDecoderFuzzTest.split(bytes, splits), EmbeddedNode.SOME_TURNS);
        node.assertHealthy(o, bytes.length);
    }

    @Property
    void knownBadHeaders_closeTheConnection(@ForAll BadHeader bad, @ForAll("sessions") MqttDecoderFuzzTest.Session s,
                                            @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(PARSER);
        byte[] bytes = MqttDecoderFuzzTest.concat(bad.bytes(), s.bytes());
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.TCP, MqttDecoderFuzzTest.split(bytes, splits), null);
        node.assertHealthy(o, bytes.length);
        assertThat(o.closed()).as("%s closes the connection", bad).isTrue();
        assertThat(o.sent()).isEmpty();
    }

    /** Headers the node must refuse. */
    enum BadHeader {
        /** No header at all: MQTT straight away, as a client going around the gateway would. */
        NONE,
        /** A v1 line longer than the 107 bytes the specification allows. */
        V1_TOO_LONG,
        /** A v1 line with an unknown protocol. */
        V1_BAD_PROTOCOL,
        /** A v2 header of version 3. */
        V2_BAD_VERSION,
        /** A v2 header whose address block is shorter than its family needs. */
        V2_SHORT_ADDRESSES;

        byte[] bytes() {
            return switch (this) {
                case NONE -> new byte[0];
                case V1_TOO_LONG -> ("PROXY TCP4 1.2.3.4 5.6.7.8 1000 1883 " + "x".repeat(100) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                case V1_BAD_PROTOCOL -> "PROXY UDP9 1.2.3.4 5.6.7.8 1000 1883\r\n".getBytes(StandardCharsets.US_ASCII);
                case V2_BAD_VERSION -> v2(0x31, 0x11, new byte[12]);
                case V2_SHORT_ADDRESSES -> v2(0x21, 0x11, new byte[5]);
            };
        }
    }

    // ------------------------------------------------------------------ headers

    /** A valid header, with the remote address and certificate name the node must take from it (null: none). */
    record Header(byte[] bytes, String remote, String certificateName, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    static byte[] v2(int versionCommand, int family, byte[] rest) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(SIGNATURE);
        o.write(versionCommand);
        o.write(family);
        o.write(rest.length >> 8);
        o.write(rest.length);
        o.writeBytes(rest);
        return o.toByteArray();
    }

    static void tlv(ByteArrayOutputStream o, int type, byte[] value) {
        o.write(type);
        o.write(value.length >> 8);
        o.write(value.length);
        o.writeBytes(value);
    }

    static String hostPort(InetAddress a, int port) {
        return a.getHostAddress() + ":" + port;
    }

    @Provide
    Arbitrary<Header> headers() {
        Arbitrary<byte[]> v4 = Arbitraries.bytes().array(byte[].class).ofSize(4);
        Arbitrary<byte[]> v6 = Arbitraries.bytes().array(byte[].class).ofSize(16);
        Arbitrary<Integer> port = Arbitraries.integers().between(1, 65_535); // Netty refuses port 0 (closed as bad input)
        Arbitrary<String> cn = Arbitraries.strings().withCharRange('\u0021', '\u007E').ofMinLength(1).ofMaxLength(64).injectNull(0.3);
        Arbitrary<Integer> sslFlags = Arbitraries.of(0x01, 0x03, 0x07, 0x02);
        Arbitrary<Long> verify = Arbitraries.of(0L, 0L, 0L, 1L);
        Arbitrary<Header> v1 = Combinators.combine(Arbitraries.of(true, false), v4, v6, port, port).as((ipv4, a4, a6, sp, dp) -> {
            InetAddress src = address(ipv4 ? a4 : a6);
            String line = "PROXY " + (ipv4 ? "TCP4 " : "TCP6 ") + src.getHostAddress() + " " + src.getHostAddress() + " " + sp + " " + dp + "\r\n";
            return new Header(line.getBytes(StandardCharsets.US_ASCII), hostPort(src, sp), null, line.trim());
        });
        Arbitrary<Header> v1Unknown = Arbitraries.just(new Header("PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII), null, null, "PROXY UNKNOWN"));
        Arbitrary<Header> v2 = Combinators.combine(Arbitraries.of(true, false), v4, v6, port, cn, sslFlags, verify,
                Arbitraries.bytes().array(byte[].class).ofMaxSize(20)).as((ipv4, a4, a6, sp, name, flags, vr, alpn) -> {
            InetAddress src = address(ipv4 ? a4 : a6);
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            rest.writeBytes(src.getAddress());
            rest.writeBytes(src.getAddress());
            rest.write(sp >> 8);
            rest.write(sp);
            rest.write(0x07);
            rest.write(0x5B);
            tlv(rest, 0x01, alpn); // ALPN: ignored
            boolean ssl = name != null || flags != 0x02;
            if (ssl) {
                ByteArrayOutputStream value = new ByteArrayOutputStream();
                value.write(flags);
                value.writeBytes(new byte[]{(byte) (vr >> 24), (byte) (vr >> 16), (byte) (vr >> 8), (byte) (long) vr});
                tlv(value, 0x21, "TLSv1.3".getBytes(StandardCharsets.US_ASCII));
                if (name != null) {
                    tlv(value, 0x22, name.getBytes(StandardCharsets.UTF_8));
                }
                tlv(rest, 0x20, value.toByteArray());
            }
            tlv(rest, 0x04, new byte[3]); // NOOP
            boolean verified = ssl && (flags & 0x01) != 0 && (flags & 0x02) != 0 && vr == 0;
            String expectedName = verified ? name : null;
            return new Header(v2(0x21, ipv4 ? 0x11 : 0x21, rest.toByteArray()), hostPort(src, sp), expectedName,
                    "v2 " + src.getHostAddress() + ":" + sp + (ssl ? " ssl flags " + flags + " verify " + vr + " cn " + name : ""));
        });
        Arbitrary<Header> v2Local = Arbitraries.just(new Header(v2(0x20, 0x00, new byte[0]), null, null, "v2 LOCAL"));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, v1), net.jqwik.api.Tuple.of(1, v1Unknown),
                net.jqwik.api.Tuple.of(6, v2), net.jqwik.api.Tuple.of(1, v2Local));
    }

    static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Random bytes, some behind the start of a v1 line or the v2 signature. */
    @Provide
    Arbitrary<byte[]> randomHeaders() {
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        return Arbitraries.oneOf(any,
                any.map(b -> MqttDecoderFuzzTest.concat("PROXY ".getBytes(StandardCharsets.US_ASCII), b)),
                any.map(b -> MqttDecoderFuzzTest.concat(SIGNATURE, b)));
    }

    @Provide
    Arbitrary<MqttDecoderFuzzTest.Session> sessions() {
        return MqttDecoderFuzzTest.sessionArbitrary();
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.integers().between(1, 64).list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.some(3, 200);
    }
}
