package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.fuzz.FuzzStats;
import io.mqttcluster.broker.fuzz.Mutation;
import io.mqttcluster.broker.testing.RawClient;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the node's MQTT over WebSocket path: HTTP request decoding and aggregation (8 KB), the upgrade on ws.path,
 * WebSocket frame decoding (frames of at most mqtt.max-packet-size), {@link WebSocketFrames}, then the MQTT decoder, in
 * the node's real WS pipeline ({@link EmbeddedNode}). Inputs: random bytes; a valid upgrade and valid sessions in
 * random frames (single binary frames and fragmented messages) before and after blind mutations; and known-bad frames.
 */
class WebSocketFuzzTest {

    static final String PARSER = "node-websocket";
    static final String UPGRADE = "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";

    static EmbeddedNode node;

    @BeforeContainer
    static void start() throws Exception {
        node = new EmbeddedNode(Map.of());
        node.warmUp();
        byte[] connect = frame(0x82, RawClient.connect("ws-warm-up", true, 30), true);
        for (int i = 0; i < 300; i++) {
            node.run(MqttListener.Transport.WS, List.of(UPGRADE.getBytes(StandardCharsets.ISO_8859_1), connect, BadFrame.UNMASKED.bytes()), null);
        }
        node.logs.events.clear();
    }

    @AfterContainer
    static void stop() throws Exception {
        node.close();
        FuzzStats.print();
    }

    @Property
    void randomBytes_neverBreakTheNode(@ForAll("randomRequests") byte[] bytes, @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(PARSER);
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.WS, MqttDecoderFuzzTest.split(bytes, splits), null);
        node.assertHealthy(o, bytes.length);
    }

    @Property
    void validSessionsInFrames_areAnsweredInFull(@ForAll("sessions") MqttDecoderFuzzTest.Session s, @ForAll long seed,
                                                 @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(PARSER);
        // a client sends frames once the handshake is answered (RFC 6455 section 4.1): the request is read alone
        byte[] frames = frames(s.bytes(), new Random(seed));
        byte[] bytes = concat(UPGRADE.getBytes(StandardCharsets.ISO_8859_1), frames);
        List<byte[]> chunks = new ArrayList<>(List.of(UPGRADE.getBytes(StandardCharsets.ISO_8859_1)));
        chunks.addAll(MqttDecoderFuzzTest.split(frames, splits));
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.WS, chunks,
                sent -> answers(sent).size() >= 1 + s.answers().size());
        node.assertHealthy(o, bytes.length);
        assertThat(new String(o.sent(), 0, Math.min(12, o.sent().length), StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 101");
        List<EmbeddedNode.Packet> answers = answers(o.sent());
        assertThat(o.closed()).isFalse();
        assertThat(answers.get(0).type()).isEqualTo(RawClient.CONNACK);
        assertThat(answers.get(0).body()[1]).isZero();
        assertThat(MqttDecoderFuzzTest.types(answers.subList(1, answers.size()))).isEqualTo(s.answers());
    }

    @Property
    void mutatedUpgradesAndFrames_neverBreakTheNode(@ForAll("sessions") MqttDecoderFuzzTest.Session s, @ForAll long seed,
                                                    @ForAll("mutations") List<Mutation> mutations,
                                                    @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(PARSER);
        byte[] bytes = Mutation.applyAll(upgradeAndFrames(s.bytes(), new Random(seed)), mutations);
        EmbeddedNode.Outcome o = node.run(MqttListener.Transport.WS, MqttDecoderFuzzTest.split(bytes, splits), EmbeddedNode.SOME_TURNS);
        node.assertHealthy(o, bytes.length);
    }

    @Property
    void knownBadFrames_closeTheConnection(@ForAll("sessions") MqttDecoderFuzzTest.Session s, @ForAll BadFrame bad,
                                           @ForAll("splits") List<Integer> splits) throws Exception {
        FuzzStats.count(PARSER);
        byte[] frames = concat(frame(0x82, s.connect(), true), bad.bytes());
        byte[] bytes = concat(UPGRADE.getBytes(StandardCharsets.ISO_8859_1), frames);
        List<byte[]> chunks = new ArrayList<>(List.of(UPGRADE.getBytes(StandardCharsets.ISO_8859_1)));
        chunks.addAll(MqttDecoderFuzzTest.split(frames, splits));
        EmbeddedNode.Outcome out = node.run(MqttListener.Transport.WS, chunks, null);
        node.assertHealthy(out, bytes.length);
        assertThat(out.closed()).as("%s closes the connection", bad).isTrue();
    }

    /** Frames a client may not send, or must not send on an MQTT connection. */
    enum BadFrame {
        /** MQTT in a text frame [MQTT-6.0.0-1]. */
        TEXT_FRAME,
        /** A frame from the client without a mask (RFC 6455 section 5.1). */
        UNMASKED,
        /** A frame announcing 200 MB: over mqtt.max-packet-size, refused before it comes. */
        HUGE_FRAME,
        /** A PUBLISH announcing 268 MB inside a frame. */
        HUGE_PUBLISH;

        byte[] bytes() {
            return switch (this) {
                case TEXT_FRAME -> frame(0x81, "hello".getBytes(StandardCharsets.UTF_8), true);
                case UNMASKED -> frame(0x82, new byte[]{(byte) 0xC0, 0}, false);
                case HUGE_FRAME -> new byte[]{(byte) 0x82, (byte) 0xFF, 0, 0, 0, 0, 0x0C, (byte) 0x80, 0, 0, 1, 2, 3, 4, 5, 6};
                case HUGE_PUBLISH -> frame(0x82, new byte[]{0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 1, 'a'}, true);
            };
        }
    }

    // ------------------------------------------------------------------ framing

    /** The upgrade request, then {@code mqtt} in binary frames of random sizes, some messages fragmented. */
    static byte[] upgradeAndFrames(byte[] mqtt, Random random) {
        return concat(UPGRADE.getBytes(StandardCharsets.ISO_8859_1), frames(mqtt, random));
    }

    /** {@code mqtt} in binary frames of random sizes, some messages fragmented. */
    static byte[] frames(byte[] mqtt, Random random) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int at = 0;
        boolean inFragmentedMessage = false;
        while (at < mqtt.length) {
            int n = Math.min(mqtt.length - at, 1 + random.nextInt(Math.max(1, Math.min(200, mqtt.length))));
            byte[] payload = java.util.Arrays.copyOfRange(mqtt, at, at + n);
            at += n;
            boolean last = at == mqtt.length;
            boolean fin = last || random.nextInt(3) > 0;
            int opcode = inFragmentedMessage ? 0x0 : 0x2;
            o.writeBytes(frame((fin ? 0x80 : 0) | opcode, payload, true, random));
            inFragmentedMessage = !fin;
        }
        return o.toByteArray();
    }

    static byte[] frame(int first, byte[] payload, boolean masked) {
        return frame(first, payload, masked, new Random(payload.length));
    }

    static byte[] frame(int first, byte[] payload, boolean masked, Random random) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(first);
        int m = masked ? 0x80 : 0;
        if (payload.length < 126) {
            o.write(m | payload.length);
        } else {
            o.write(m | 126);
            o.write(payload.length >> 8);
            o.write(payload.length);
        }
        byte[] key = new byte[4];
        random.nextBytes(key);
        if (masked) {
            o.writeBytes(key);
        }
        for (int i = 0; i < payload.length; i++) {
            o.write(masked ? payload[i] ^ key[i % 4] : payload[i]);
        }
        return o.toByteArray();
    }

    /** The MQTT packets in the node's answer: after the HTTP response, the payloads of its frames (not masked). */
    static List<EmbeddedNode.Packet> answers(byte[] sent) {
        String head = new String(sent, StandardCharsets.ISO_8859_1);
        int end = head.indexOf("\r\n\r\n");
        if (end < 0) {
            return List.of();
        }
        ByteArrayOutputStream mqtt = new ByteArrayOutputStream();
        int i = end + 4;
        while (i + 2 <= sent.length) {
            int len = sent[i + 1] & 0x7F;
            int p = i + 2;
            if (len == 126) {
                if (p + 2 > sent.length) {
                    break;
                }
                len = (sent[p] & 0xFF) << 8 | (sent[p + 1] & 0xFF);
                p += 2;
            } else if (len == 127) {
                break; // the node sends no frame that large here
            }
            if (p + len > sent.length) {
                break;
            }
            if ((sent[i] & 0x0F) <= 2) {
                mqtt.write(sent, p, len);
            }
            i = p + len;
        }
        return EmbeddedNode.Packet.split(mqtt.toByteArray()).stream().filter(pk -> pk.type() != RawClient.PUBLISH).toList();
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<MqttDecoderFuzzTest.Session> sessions() {
        return MqttDecoderFuzzTest.sessionArbitrary();
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.integers().between(1, 100).list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.some(3, 500);
    }

    /** Random bytes, alone or after a valid upgrade request (then they are read as frames). */
    @Provide
    Arbitrary<byte[]> randomRequests() {
        byte[] upgrade = UPGRADE.getBytes(StandardCharsets.ISO_8859_1);
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        return Arbitraries.oneOf(any, any.map(b -> {
            byte[] c = java.util.Arrays.copyOf(upgrade, upgrade.length + b.length);
            System.arraycopy(b, 0, c, upgrade.length, b.length);
            return c;
        }));
    }

    static byte[] concat(byte[] a, byte[] b) {
        return MqttDecoderFuzzTest.concat(a, b);
    }
}
