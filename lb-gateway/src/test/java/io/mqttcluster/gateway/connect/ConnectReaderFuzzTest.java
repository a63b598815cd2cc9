package io.mqttcluster.gateway.connect;

import io.mqttcluster.gateway.fuzz.FuzzStats;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the gateway's CONNECT reader (with its MQTT 5 property reader and variable byte integers): random bytes, and
 * valid CONNECT packets of MQTT 3.1, 3.1.1 and 5.0 (with CONNECT and will properties, will, user name, password)
 * before and after structure-aware mutations, each fed in random splits. What must hold for every input:
 * <ul>
 * <li>no exception leaves {@link ConnectReader#feed}: bad input is a status (INVALID, OVERSIZE) and a reason;</li>
 * <li>the buffer grows with the bytes that arrived, never with a length a packet announces;</li>
 * <li>the answer does not depend on how the bytes were split;</li>
 * <li>a valid CONNECT is read, with its fields; a CONNECT broken in a known way is refused with the right code.</li>
 * </ul>
 * Tries: {@code jqwik.tries.default} (junit-platform.properties: the short run; scripts/fuzz.sh: the long one).
 */
class ConnectReaderFuzzTest {

    static final int CAP = 4096;
    static final String PARSER = "gateway-connect-reader";

    @AfterContainer
    static void report() {
        FuzzStats.print();
    }

    // ------------------------------------------------------------------ properties

    @Property
    void randomBytes_neverThrow_andAnswerTheSameInAnySplit(@ForAll("randomBytes") byte[] bytes, @ForAll("splits") List<Integer> splits) {
        check(bytes, splits);
    }

    @Property
    void validConnects_areRead_withTheirFields(@ForAll("connects") Sample s, @ForAll("splits") List<Integer> splits) {
        ConnectReader r = check(s.bytes(), splits);
        assertThat(r.status()).as(r.failure()).isEqualTo(ConnectReader.Status.COMPLETE);
        ConnectInfo c = r.connect();
        assertThat(c.protocolLevel()).isEqualTo(s.level());
        assertThat(c.clientId()).isEqualTo(s.clientId());
        assertThat(c.keepAliveSeconds()).isEqualTo(s.keepAlive());
        assertThat(c.will()).isEqualTo(s.will());
        assertThat(c.hasUsername()).isEqualTo(s.username());
        assertThat(c.hasPassword()).isEqualTo(s.password());
        assertThat(c.packetLength()).isEqualTo(s.bytes().length);
        assertThat(c.authenticationMethod()).isEqualTo(s.authenticationMethod());
    }

    @Property
    void mutatedConnects_neverThrow_andAnswerTheSameInAnySplit(@ForAll("connects") Sample s,
                                                               @ForAll("mutations") List<Mutation> mutations,
                                                               @ForAll("splits") List<Integer> splits) {
        byte[] bytes = s.bytes();
        for (Mutation m : mutations) {
            bytes = m.apply(bytes);
        }
        check(bytes, splits);
    }

    @Property
    void connectsBrokenInAKnownWay_areRefused_withTheirReasonCode(@ForAll("connects") Sample s, @ForAll Fault fault,
                                                                   @ForAll("splits") List<Integer> splits) {
        if (s.level() != 5 && fault.v5Only) {
            return;
        }
        byte[] bytes = fault.apply(s);
        ConnectReader r = check(bytes, splits);
        assertThat(r.status()).as("%s: %s", fault, r.failure()).isEqualTo(fault.expected);
        if (fault == Fault.HUGE_REMAINING_LENGTH) {
            // refused from the fixed header: the level (and so the reason code) only when its bytes came with it
            assertThat(r.reasonCode()).isIn(0, fault.reasonCode);
            ConnectReader whole = new ConnectReader(CAP);
            whole.feed(bytes);
            assertThat(whole.reasonCode()).isEqualTo(s.level() == 3 ? 0 : fault.reasonCode);
        } else if (s.level() == 5) {
            assertThat(r.reasonCode()).as("%s: %s", fault, r.failure()).isEqualTo(fault.reasonCode);
        }
    }

    // ------------------------------------------------------------------ the checks every input gets

    /** Feeds {@code bytes} in the given split and all at once, and checks what holds for any input. */
    static ConnectReader check(byte[] bytes, List<Integer> splits) {
        FuzzStats.count(PARSER);
        ConnectReader whole = new ConnectReader(CAP);
        if (bytes.length > 0) {
            whole.feed(bytes);
        }
        ConnectReader split = new ConnectReader(CAP);
        int at = 0;
        int i = 0;
        while (at < bytes.length) {
            int n = Math.min(bytes.length - at, splits.isEmpty() ? bytes.length : Math.max(1, splits.get(i++ % splits.size())));
            split.feed(bytes, at, n);
            at += n;
            // the buffer grows with what arrived (at most doubling), never with what a packet announces
            assertThat(split.bufferCapacity()).isLessThanOrEqualTo(Math.max(256, 2 * at));
        }
        assertThat(split.status()).isEqualTo(whole.status());
        assertThat(split.failure()).isEqualTo(whole.failure());
        assertThat(split.connect()).isEqualTo(whole.connect());
        switch (split.status()) {
            case NEED_MORE -> {
                assertThat(split.failure()).isNull();
                assertThat(split.receivedLength()).isEqualTo(bytes.length);
                assertThat(split.packetLength()).isLessThanOrEqualTo(CAP);
            }
            case COMPLETE -> {
                ConnectInfo c = split.connect();
                assertThat(c.packetLength()).isBetween(14, CAP);
                assertThat(c.protocolLevel()).isIn(3, 4, 5);
                assertThat(c.clientId()).doesNotContain("\u0000");
                assertThat(split.reasonCode()).isZero();
            }
            case INVALID, OVERSIZE -> {
                assertThat(split.failure()).isNotBlank();
                assertThat(split.reasonCode()).isIn(0, ReasonCodes.MALFORMED_PACKET, ReasonCodes.PROTOCOL_ERROR,
                        ReasonCodes.PACKET_TOO_LARGE);
                assertThat(split.connect()).isNull();
            }
        }
        return split;
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<byte[]> randomBytes() {
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        // mostly a CONNECT first byte, or the reader stops at the first byte
        Arbitrary<byte[]> connectLike = any.map(b -> {
            if (b.length > 0) {
                b[0] = 0x10;
            }
            return b;
        });
        return Arbitraries.frequencyOf(Tuple.of(1, any), Tuple.of(4, connectLike));
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.integers().between(1, 64).list().ofMaxSize(8);
    }

    /** Strings that encode to UTF-8 and back unchanged, without U+0000. */
    static Arbitrary<String> text(int maxLength) {
        return Arbitraries.strings().withCharRange('\u0001', '\u007F').withCharRange('\u0080', '\uD7FF')
                .withCharRange('\uE000', '\uFFFF').ofMaxLength(maxLength);
    }

    @Provide
    Arbitrary<Sample> connects() {
        Arbitrary<Integer> level = Arbitraries.of(3, 4, 5);
        Arbitrary<String> clientId = text(40);
        Arbitrary<Integer> keepAlive = Arbitraries.integers().between(0, 65_535);
        Arbitrary<Integer> flags = Arbitraries.integers().between(0, 7); // will, user name, password
        Arbitrary<byte[]> payload = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
        Arbitrary<String> authMethod = text(12).injectNull(0.8);
        Arbitrary<List<byte[]>> connectProps = connectProperty().list().ofMaxSize(5);
        Arbitrary<WillPart> will = Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.of(true, false),
                text(20).filter(t -> !t.isEmpty()), payload, willProperty().list().ofMaxSize(5)).as(WillPart::new);
        return Combinators.combine(level, clientId, keepAlive, flags, authMethod, connectProps, will, payload)
                .as((lv, id, ka, f, auth, cprops, w, pw) -> {
                    boolean hasWill = (f & 1) != 0;
                    boolean user = (f & 2) != 0;
                    boolean pass = (f & 4) != 0;
                    ConnectPackets p = switch (lv) {
                        case 3 -> ConnectPackets.v31(id);
                        case 4 -> ConnectPackets.v311(id);
                        default -> ConnectPackets.v5(id);
                    };
                    p.keepAlive(ka).cleanStart(id.isEmpty() || ka % 2 == 0);
                    byte[] props = new byte[0];
                    if (lv == 5) {
                        props = unique(cprops, auth);
                        p.properties(props);
                    }
                    if (hasWill) {
                        p.will(w.topic(), w.payload(), w.qos(), w.retain());
                        if (lv == 5) {
                            p.willProperties(unique(w.properties(), null));
                        }
                    }
                    if (user) {
                        p.username(id + "-user");
                    }
                    if (pass) {
                        p.password(pw);
                    }
                    return new Sample(p.bytes(), lv, id, ka, hasWill, user, pass, lv == 5 ? auth : null, props, p);
                });
    }

    record WillPart(int qos, boolean retain, String topic, byte[] payload, List<byte[]> properties) {
    }

    /** Properties with no identifier twice (user properties aside), and the Authentication Method when given. */
    static byte[] unique(List<byte[]> props, String authenticationMethod) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean[] seen = new boolean[128];
        for (byte[] p : props) {
            int id = p[0];
            if (id == Mqtt5Properties.USER_PROPERTY || !seen[id]) {
                seen[id] = true;
                out.writeBytes(p);
            }
        }
        if (authenticationMethod != null) {
            out.writeBytes(ConnectPackets.props().utf8(Mqtt5Properties.AUTHENTICATION_METHOD, authenticationMethod).bytes());
            out.writeBytes(ConnectPackets.props().binary(Mqtt5Properties.AUTHENTICATION_DATA, new byte[]{1, 2, 3}).bytes());
        }
        return out.toByteArray();
    }

    static Arbitrary<byte[]> connectProperty() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(0, 0xFFFF_FFFFL).map(v -> ConnectPackets.props().u32(0x11, v).bytes()),
                Arbitraries.integers().between(1, 65_535).map(v -> ConnectPackets.props().u16(0x21, v).bytes()),
                Arbitraries.longs().between(1, 0xFFFF_FFFFL).map(v -> ConnectPackets.props().u32(0x27, v).bytes()),
                Arbitraries.integers().between(0, 65_535).map(v -> ConnectPackets.props().u16(0x22, v).bytes()),
                Arbitraries.integers().between(0, 1).map(v -> ConnectPackets.props().u8(0x19, v).bytes()),
                Arbitraries.integers().between(0, 1).map(v -> ConnectPackets.props().u8(0x17, v).bytes()),
                Combinators.combine(text(10), text(10)).as((k, v) -> ConnectPackets.props().pair(0x26, k, v).bytes()));
    }

    static Arbitrary<byte[]> willProperty() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(0, 0xFFFF_FFFFL).map(v -> ConnectPackets.props().u32(0x18, v).bytes()),
                Arbitraries.integers().between(0, 1).map(v -> ConnectPackets.props().u8(0x01, v).bytes()),
                Arbitraries.longs().between(0, 0xFFFF_FFFFL).map(v -> ConnectPackets.props().u32(0x02, v).bytes()),
                text(15).map(v -> ConnectPackets.props().utf8(0x03, v).bytes()),
                text(15).map(v -> ConnectPackets.props().utf8(0x08, v).bytes()),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(10).map(v -> ConnectPackets.props().binary(0x09, v).bytes()),
                Combinators.combine(text(10), text(10)).as((k, v) -> ConnectPackets.props().pair(0x26, k, v).bytes()));
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> pos = Arbitraries.integers().between(0, 400);
        Arbitrary<Mutation> one = Arbitraries.oneOf(
                Combinators.combine(pos, Arbitraries.integers().between(1, 255)).as(Mutation.Flip::new),
                pos.map(Mutation.Truncate::new),
                Combinators.combine(pos, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8)).as(Mutation.Insert::new),
                Combinators.combine(pos, Arbitraries.integers().between(1, 8)).as(Mutation.Delete::new),
                Arbitraries.integers().between(0, VariableByteInteger.MAX_VALUE).map(Mutation.Length::new),
                Combinators.combine(pos, Arbitraries.integers().between(0, 255)).as(Mutation.Set::new));
        return one.list().ofMinSize(1).ofMaxSize(4);
    }

    // ------------------------------------------------------------------ inputs

    /** A valid CONNECT with the fields it was built from (and its builder, to break it on purpose). */
    record Sample(byte[] bytes, int level, String clientId, int keepAlive, boolean will, boolean username,
                  boolean password, String authenticationMethod, byte[] properties, ConnectPackets builder) {
        @Override
        public String toString() {
            return "CONNECT level " + level + " " + Arrays.toString(bytes);
        }
    }

    /** A blind change of a packet's bytes. */
    sealed interface Mutation {
        byte[] apply(byte[] b);

        record Flip(int at, int mask) implements Mutation {
            public byte[] apply(byte[] b) {
                byte[] c = b.clone();
                if (c.length > 0) {
                    c[at % c.length] ^= (byte) mask;
                }
                return c;
            }
        }

        record Set(int at, int value) implements Mutation {
            public byte[] apply(byte[] b) {
                byte[] c = b.clone();
                if (c.length > 0) {
                    c[at % c.length] = (byte) value;
                }
                return c;
            }
        }

        record Truncate(int length) implements Mutation {
            public byte[] apply(byte[] b) {
                return Arrays.copyOf(b, Math.min(b.length, length % (b.length + 1)));
            }
        }

        record Insert(int at, byte[] bytes) implements Mutation {
            public byte[] apply(byte[] b) {
                int p = at % (b.length + 1);
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.write(b, 0, p);
                o.writeBytes(bytes);
                o.write(b, p, b.length - p);
                return o.toByteArray();
            }
        }

        record Delete(int at, int n) implements Mutation {
            public byte[] apply(byte[] b) {
                if (b.length == 0) {
                    return b;
                }
                int p = at % b.length;
                int k = Math.min(n, b.length - p);
                byte[] c = new byte[b.length - k];
                System.arraycopy(b, 0, c, 0, p);
                System.arraycopy(b, p + k, c, p, b.length - p - k);
                return c;
            }
        }

        /** Replaces the remaining length with another value (a wrong length, up to the largest MQTT allows). */
        record Length(int remaining) implements Mutation {
            public byte[] apply(byte[] b) {
                return withRemainingLength(b, remaining);
            }
        }
    }

    /** {@code packet} with its remaining length field rewritten (the body stays as it is). */
    static byte[] withRemainingLength(byte[] packet, int remaining) {
        if (packet.length < 2) {
            return packet;
        }
        int at = 1;
        while (at < packet.length && at < 5 && (packet[at] & 0x80) != 0) {
            at++;
        }
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(packet[0]);
        ConnectPackets.varInt(o, remaining);
        o.write(packet, Math.min(at + 1, packet.length), packet.length - Math.min(at + 1, packet.length));
        return o.toByteArray();
    }

    /** A change that makes any CONNECT invalid, and how the reader must answer it. */
    enum Fault {
        /** 200 MB announced: refused from the fixed header alone, nothing allocated for it. */
        HUGE_REMAINING_LENGTH(false, ConnectReader.Status.OVERSIZE, ReasonCodes.PACKET_TOO_LARGE),
        /** The client id is not well-formed UTF-8. */
        BAD_UTF8_CLIENT_ID(false, ConnectReader.Status.INVALID, ReasonCodes.MALFORMED_PACKET),
        /** A client id holding U+0000. */
        NUL_IN_CLIENT_ID(false, ConnectReader.Status.INVALID, ReasonCodes.MALFORMED_PACKET),
        /** The reserved connect flag. */
        RESERVED_FLAG(false, ConnectReader.Status.INVALID, ReasonCodes.MALFORMED_PACKET),
        /** A trailing byte the fields do not account for. */
        TRAILING_BYTE(false, ConnectReader.Status.INVALID, ReasonCodes.MALFORMED_PACKET),
        /** A first byte other than 0x10. */
        NOT_CONNECT(false, ConnectReader.Status.INVALID, 0),
        /** A property identifier that is not a CONNECT property. */
        BAD_PROPERTY_ID(true, ConnectReader.Status.INVALID, ReasonCodes.MALFORMED_PACKET),
        /** The Session Expiry Interval twice. */
        DUPLICATE_PROPERTY(true, ConnectReader.Status.INVALID, ReasonCodes.PROTOCOL_ERROR),
        /** A property block longer than what follows. */
        PROPERTY_LENGTH_PAST_END(true, ConnectReader.Status.INVALID, ReasonCodes.MALFORMED_PACKET);

        final boolean v5Only;
        final ConnectReader.Status expected;
        final int reasonCode;

        Fault(boolean v5Only, ConnectReader.Status expected, int reasonCode) {
            this.v5Only = v5Only;
            this.expected = expected;
            this.reasonCode = reasonCode;
        }

        byte[] apply(Sample s) {
            ConnectPackets p = s.builder();
            return switch (this) {
                case HUGE_REMAINING_LENGTH -> withRemainingLength(s.bytes(), 200 * 1024 * 1024);
                case BAD_UTF8_CLIENT_ID -> rebuilt(p.clientIdRaw(new byte[]{'a', (byte) 0xC3, 0x28}), s);
                case NUL_IN_CLIENT_ID -> rebuilt(p.clientIdRaw(new byte[]{'a', 0, 'b'}), s);
                case RESERVED_FLAG -> {
                    byte[] b = s.bytes().clone();
                    b[flagsOffset(b, s.level())] |= 0x01;
                    yield b;
                }
                case TRAILING_BYTE -> {
                    byte[] body = Arrays.copyOfRange(s.bytes(), bodyOffset(s.bytes()), s.bytes().length);
                    ByteArrayOutputStream o = new ByteArrayOutputStream();
                    o.write(0x10);
                    ConnectPackets.varInt(o, body.length + 1);
                    o.writeBytes(body);
                    o.write(0);
                    yield o.toByteArray();
                }
                case NOT_CONNECT -> {
                    byte[] b = s.bytes().clone();
                    b[0] = 0x20;
                    yield b;
                }
                case BAD_PROPERTY_ID -> rebuilt(p.properties(concat(s.properties(), new byte[]{0x18, 0, 0, 0, 1})), s);
                case DUPLICATE_PROPERTY -> rebuilt(p.properties(concat(s.properties(),
                        ConnectPackets.props().u32(0x11, 1).u32(0x11, 2).bytes())), s);
                case PROPERTY_LENGTH_PAST_END -> {
                    // the property length (after flags and keepalive) becomes the largest one: past any packet's end
                    byte[] b = s.bytes();
                    int body = bodyOffset(b);
                    int at = flagsOffset(b, 5) + 3;
                    int k = 1;
                    while ((b[at + k - 1] & 0x80) != 0) {
                        k++;
                    }
                    ByteArrayOutputStream rest = new ByteArrayOutputStream();
                    rest.write(b, body, at - body);
                    rest.writeBytes(new byte[]{(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F});
                    rest.write(b, at + k, b.length - at - k);
                    ByteArrayOutputStream o = new ByteArrayOutputStream();
                    o.write(0x10);
                    ConnectPackets.varInt(o, rest.size());
                    o.writeBytes(rest.toByteArray());
                    yield o.toByteArray();
                }
            };
        }

        /** Builds the sample's packet again with a change, then restores the builder. */
        private static byte[] rebuilt(ConnectPackets changed, Sample s) {
            byte[] b = changed.bytes();
            changed.clientIdRaw(null);
            changed.properties(s.level() == 5 ? s.properties() : null);
            return b;
        }
    }

    static int bodyOffset(byte[] packet) {
        int at = 1;
        while ((packet[at] & 0x80) != 0) {
            at++;
        }
        return at + 1;
    }

    static int flagsOffset(byte[] packet, int level) {
        return bodyOffset(packet) + (level == 3 ? 8 : 6) + 1;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

}
