package io.mqttcluster.bench.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written codec against Netty's reference MQTT codec: what we write, Netty reads back; what Netty's encoder
 * writes (as a broker would), we decode. Both protocol versions.
 */
class MqttCodecTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /** Decodes client packets with Netty's decoder (which learns the version from CONNECT). */
    private static List<MqttMessage> nettyDecode(io.mqttcluster.bench.codec.MqttVersion v, ByteBuf... packets) {
        EmbeddedChannel ch = new EmbeddedChannel(new MqttDecoder(1 << 20));
        ch.writeInbound(MqttWriter.connect(ALLOC, v, new MqttWriter.ConnectSpec("c1", true, 30, null, null, 0, 0)));
        for (ByteBuf p : packets) {
            ch.writeInbound(p);
        }
        List<MqttMessage> out = new ArrayList<>();
        MqttMessage m;
        while ((m = ch.readInbound()) != null) {
            assertThat(m.decoderResult().isSuccess()).as("%s", m.decoderResult()).isTrue();
            out.add(m);
        }
        ch.finishAndReleaseAll();
        return out;
    }

    @ParameterizedTest
    @EnumSource(io.mqttcluster.bench.codec.MqttVersion.class)
    void connect_isReadByNetty(io.mqttcluster.bench.codec.MqttVersion v) {
        EmbeddedChannel ch = new EmbeddedChannel(new MqttDecoder(1 << 20));
        ch.writeInbound(MqttWriter.connect(ALLOC, v, new MqttWriter.ConnectSpec("client-ä", false, 45, "user", "secret", 600, 0)));
        MqttConnectMessage m = ch.readInbound();

        assertThat(m.decoderResult().isSuccess()).isTrue();
        assertThat(m.variableHeader().version()).isEqualTo(v.level());
        assertThat(m.variableHeader().isCleanSession()).isFalse();
        assertThat(m.variableHeader().keepAliveTimeSeconds()).isEqualTo(45);
        assertThat(m.payload().clientIdentifier()).isEqualTo("client-ä");
        assertThat(m.payload().userName()).isEqualTo("user");
        assertThat(new String(m.payload().passwordInBytes(), StandardCharsets.UTF_8)).isEqualTo("secret");
        if (v.isV5()) {
            assertThat(m.variableHeader().properties().getProperty(0x11).value()).isEqualTo(600);
        }
        ch.finishAndReleaseAll();
    }

    @ParameterizedTest
    @EnumSource(io.mqttcluster.bench.codec.MqttVersion.class)
    void publishSubscribeAndAcks_areReadByNetty(io.mqttcluster.bench.codec.MqttVersion v) {
        byte[] topic = "a/b/ü".getBytes(StandardCharsets.UTF_8);
        ByteBuf pub = ALLOC.buffer();
        MqttWriter.writePublishHeader(pub, v, topic, 2, true, false, 77, 5);
        pub.writeBytes(new byte[] {1, 2, 3, 4, 5});
        assertThat(pub.readableBytes()).isEqualTo(MqttWriter.publishSize(v, topic.length, 2, 5));

        List<MqttMessage> out = nettyDecode(v, pub,
                MqttWriter.subscribe(ALLOC, v, 9, new String[] {"x/+", "$share/g/y/#"}, 1),
                MqttWriter.ack(ALLOC, PacketType.PUBACK, 1),
                MqttWriter.ack(ALLOC, PacketType.PUBREC, 2),
                MqttWriter.ack(ALLOC, PacketType.PUBREL, 3),
                MqttWriter.ack(ALLOC, PacketType.PUBCOMP, 4),
                MqttWriter.pingReq(ALLOC),
                MqttWriter.disconnect(ALLOC));

        assertThat(out).extracting(m -> m.fixedHeader().messageType()).containsExactly(MqttMessageType.CONNECT,
                MqttMessageType.PUBLISH, MqttMessageType.SUBSCRIBE, MqttMessageType.PUBACK, MqttMessageType.PUBREC,
                MqttMessageType.PUBREL, MqttMessageType.PUBCOMP, MqttMessageType.PINGREQ, MqttMessageType.DISCONNECT);
        MqttPublishMessage p = (MqttPublishMessage) out.get(1);
        assertThat(p.variableHeader().topicName()).isEqualTo("a/b/ü");
        assertThat(p.variableHeader().packetId()).isEqualTo(77);
        assertThat(p.fixedHeader().qosLevel()).isEqualTo(MqttQoS.EXACTLY_ONCE);
        assertThat(p.fixedHeader().isDup()).isTrue();
        assertThat(p.payload().readableBytes()).isEqualTo(5);
        MqttSubscribeMessage s = (MqttSubscribeMessage) out.get(2);
        assertThat(s.variableHeader().messageId()).isEqualTo(9);
        assertThat(s.payload().topicSubscriptions()).extracting(t -> t.topicFilter()).containsExactly("x/+", "$share/g/y/#");
        assertThat(((MqttMessageIdVariableHeader) out.get(5).variableHeader()).messageId()).isEqualTo(3);
    }

    /** Records what our decoder reports. */
    private static final class Recorder implements PacketListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void onConnAck(boolean sessionPresent, int returnCode, int receiveMaximum) {
            events.add("connack " + sessionPresent + " " + returnCode + " " + receiveMaximum);
        }

        @Override
        public void onPublish(int qos, boolean dup, boolean retain, int packetId, ByteBuf topic, ByteBuf payload) {
            events.add("publish " + qos + " " + dup + " " + retain + " " + packetId + " "
                    + topic.toString(StandardCharsets.UTF_8) + " " + payload.toString(StandardCharsets.UTF_8));
        }

        @Override
        public void onPubAck(int packetId, int reasonCode) {
            events.add("puback " + packetId + " " + reasonCode);
        }

        @Override
        public void onPubRec(int packetId, int reasonCode) {
            events.add("pubrec " + packetId + " " + reasonCode);
        }

        @Override
        public void onPubRel(int packetId) {
            events.add("pubrel " + packetId);
        }

        @Override
        public void onPubComp(int packetId) {
            events.add("pubcomp " + packetId);
        }

        @Override
        public void onSubAck(int packetId, ByteBuf returnCodes) {
            StringBuilder sb = new StringBuilder("suback " + packetId);
            for (int i = returnCodes.readerIndex(); i < returnCodes.writerIndex(); i++) {
                sb.append(' ').append(returnCodes.getUnsignedByte(i));
            }
            events.add(sb.toString());
        }

        @Override
        public void onPingResp() {
            events.add("pingresp");
        }

        @Override
        public void onServerDisconnect(int reasonCode) {
            events.add("disconnect " + reasonCode);
        }

        @Override
        public void onProtocolError(String message) {
            events.add("error " + message);
        }
    }

    /** Encodes server packets with Netty's encoder for the given version and decodes them with ours, byte by byte too. */
    private static List<String> ourDecode(io.mqttcluster.bench.codec.MqttVersion v, boolean byteByByte, MqttMessage... messages) {
        // A broker-side channel learns the protocol version from the client's CONNECT, as Netty's codec does.
        EmbeddedChannel enc = new EmbeddedChannel(new MqttDecoder(1 << 20), MqttEncoder.INSTANCE);
        enc.writeInbound(MqttWriter.connect(ALLOC, v, new MqttWriter.ConnectSpec("c", true, 0, null, null, 0, 0)));
        MqttMessage connect = enc.readInbound();
        assertThat(connect.fixedHeader().messageType()).isEqualTo(MqttMessageType.CONNECT);
        ByteBuf all = Unpooled.buffer();
        for (MqttMessage m : messages) {
            enc.writeOutbound(m);
            ByteBuf b;
            while ((b = enc.readOutbound()) != null) {
                all.writeBytes(b);
                b.release();
            }
        }
        Recorder rec = new Recorder();
        EmbeddedChannel dec = new EmbeddedChannel(new MqttFrameDecoder(rec, v, 1 << 20));
        if (byteByByte) {
            while (all.isReadable()) {
                dec.writeInbound(all.readRetainedSlice(1));
            }
        } else {
            dec.writeInbound(all.retain());
        }
        all.release();
        dec.finishAndReleaseAll();
        return rec.events;
    }

    private static MqttMessage idMessage(MqttMessageType type, int id) {
        MqttQoS q = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(new MqttFixedHeader(type, false, q, false, 0), MqttMessageIdVariableHeader.from(id));
    }

    private static MqttMessage[] serverPackets(boolean v5) {
        MqttProperties connAckProps = v5
                ? new MqttMessageBuilders.ConnAckPropertiesBuilder().receiveMaximum(20).assignedClientId("x")
                .topicAliasMaximum(10).userProperty("k", "v").build()
                : MqttProperties.NO_PROPERTIES;
        MqttProperties pubProps = new MqttProperties();
        if (v5) {
            pubProps.add(new MqttProperties.IntegerProperty(0x02, 60)); // message expiry
            pubProps.add(new MqttProperties.StringProperty(0x03, "text/plain"));
        }
        byte[] big = new byte[300];
        java.util.Arrays.fill(big, (byte) 'z');
        return new MqttMessage[] {
                MqttMessageBuilders.connAck().returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).sessionPresent(true)
                        .properties(connAckProps).build(),
                new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_MOST_ONCE, true, 0),
                        new MqttPublishVariableHeader("t/0", 0, pubProps), Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8)),
                new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, true, MqttQoS.EXACTLY_ONCE, false, 0),
                        new MqttPublishVariableHeader("t/1", 513, pubProps), Unpooled.wrappedBuffer(big)),
                MqttMessageBuilders.pubAck().packetId(5).build(),
                idMessage(MqttMessageType.PUBREC, 6),
                idMessage(MqttMessageType.PUBREL, 7),
                idMessage(MqttMessageType.PUBCOMP, 8),
                MqttMessageBuilders.subAck().packetId(9).addGrantedQoses(MqttQoS.AT_LEAST_ONCE, MqttQoS.FAILURE).build(),
                new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)),
        };
    }

    @ParameterizedTest
    @EnumSource(io.mqttcluster.bench.codec.MqttVersion.class)
    void serverPackets_fromNetty_areDecoded_wholeAndByteByByte(io.mqttcluster.bench.codec.MqttVersion v) {
        String bigText = "z".repeat(300);
        List<String> expected = List.of(
                "connack true 0 " + (v.isV5() ? 20 : 65535),
                "publish 0 false true 0 t/0 hello",
                "publish 2 true false 513 t/1 " + bigText,
                "puback 5 0", "pubrec 6 0", "pubrel 7", "pubcomp 8",
                "suback 9 1 128",
                "pingresp");

        assertThat(ourDecode(v, false, serverPackets(v.isV5()))).containsExactlyElementsOf(expected);
        assertThat(ourDecode(v, true, serverPackets(v.isV5()))).containsExactlyElementsOf(expected);
    }

    @Test
    void garbage_isAProtocolError() {
        Recorder rec = new Recorder();
        EmbeddedChannel dec = new EmbeddedChannel(new MqttFrameDecoder(rec, io.mqttcluster.bench.codec.MqttVersion.V3_1_1, 1 << 20));
        dec.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01}));
        assertThat(rec.events).singleElement().asString().startsWith("error");
        dec.finishAndReleaseAll();
    }

    @Test
    void oversizedPacket_isRefused() {
        Recorder rec = new Recorder();
        EmbeddedChannel dec = new EmbeddedChannel(new MqttFrameDecoder(rec, io.mqttcluster.bench.codec.MqttVersion.V3_1_1, 100));
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0x30);
        MqttWriter.writeVarInt(b, 1000);
        dec.writeInbound(b);
        assertThat(rec.events).singleElement().asString().contains("exceeds the limit");
        dec.finishAndReleaseAll();
    }

    @Test
    void varInt_sizesMatchTheEncoding() {
        for (int v : new int[] {0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455}) {
            ByteBuf b = Unpooled.buffer();
            MqttWriter.writeVarInt(b, v);
            assertThat(b.readableBytes()).as("size of %d", v).isEqualTo(MqttWriter.varIntSize(v));
        }
    }
}
