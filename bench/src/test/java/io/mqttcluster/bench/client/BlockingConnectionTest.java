package io.mqttcluster.bench.client;

import io.mqttcluster.bench.codec.PacketType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The blocking connection against a plain server socket: it writes exactly the bytes the failover probes wrote when
 * they were single-file programs with their own encoder, and reads back what a broker sends.
 */
class BlockingConnectionTest {

    private ServerSocket server;
    private BlockingConnection client;
    private Socket peer;

    @BeforeEach
    void connect() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        client = BlockingConnection.open("127.0.0.1", server.getLocalPort(), null);
        peer = server.accept();
        peer.setSoTimeout(10_000);
        client.soTimeout(10_000);
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        peer.close();
        server.close();
    }

    private byte[] received(int n) throws IOException {
        return peer.getInputStream().readNBytes(n);
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            } else {
                out.write((Integer) p);
            }
        }
        return out.toByteArray();
    }

    @Test
    void sendConnect_persistentSession_writesMqtt311ConnectWithKeepAlive60() throws IOException {
        client.sendConnect("d1", false);
        assertThat(received(16)).isEqualTo(bytes(0x10, 14, 0, 4, "MQTT", 4, 0x00, 0, 60, 0, 2, "d1"));
    }

    @Test
    void sendConnect_cleanSession_setsTheCleanFlag() throws IOException {
        client.sendConnect("d1", true);
        assertThat(received(16)).isEqualTo(bytes(0x10, 14, 0, 4, "MQTT", 4, 0x02, 0, 60, 0, 2, "d1"));
    }

    @Test
    void sendSubscribePublishPubAckDisconnect_writeTheSameBytesAsTheOldScripts() throws IOException {
        client.sendSubscribe(1, "fleet/commands", 1);
        client.sendPublish("fleet/commands", 1, 7, "cmd 3".getBytes(StandardCharsets.UTF_8));
        client.sendPubAck(0x0102);
        client.disconnect();
        assertThat(received(21)).isEqualTo(bytes(0x82, 19, 0, 1, 0, 14, "fleet/commands", 1));
        assertThat(received(25)).isEqualTo(bytes(0x32, 23, 0, 14, "fleet/commands", 0, 7, "cmd 3"));
        assertThat(received(4)).isEqualTo(bytes(0x40, 2, 1, 2));
        assertThat(received(2)).isEqualTo(bytes(0xE0, 0));
        assertThat(peer.getInputStream().read()).as("closed after DISCONNECT").isEqualTo(-1);
    }

    @Test
    void read_connackWithSessionPresent_returnsItsFlagAndCode() throws IOException {
        peer.getOutputStream().write(bytes(0x20, 2, 1, 0, 0x20, 2, 0, 5));
        BlockingConnection.Packet accepted = client.read();
        BlockingConnection.Packet refused = client.read();
        assertThat(accepted.type()).isEqualTo(PacketType.CONNACK);
        assertThat(accepted.sessionPresent()).isTrue();
        assertThat(accepted.returnCode()).isZero();
        assertThat(refused.sessionPresent()).isFalse();
        assertThat(refused.returnCode()).isEqualTo(5);
    }

    @Test
    void read_publishQos1_returnsPacketIdAndPayload() throws IOException {
        peer.getOutputStream().write(bytes(0x32, 23, 0, 14, "fleet/commands", 0x01, 0x02, "cmd 3"));
        BlockingConnection.Packet p = client.read();
        assertThat(p.type()).isEqualTo(PacketType.PUBLISH);
        assertThat(p.qos()).isEqualTo(1);
        assertThat(p.packetId()).isEqualTo(0x0102);
        assertThat(new String(p.payload(), StandardCharsets.UTF_8)).isEqualTo("cmd 3");
    }

    @Test
    void read_subAckAndPubAck_returnTheirTypes() throws IOException {
        peer.getOutputStream().write(bytes(0x90, 3, 0, 1, 1, 0x40, 2, 0, 9));
        assertThat(client.read().type()).isEqualTo(PacketType.SUBACK);
        assertThat(client.read().type()).isEqualTo(PacketType.PUBACK);
    }

    @Test
    void read_packetSplitOverSeveralWrites_waitsForTheWholePacket() throws IOException {
        OutputStream out = peer.getOutputStream();
        out.write(bytes(0x30, 9, 0, 1));
        out.flush();
        out.write(bytes("tcmd 12"));
        BlockingConnection.Packet p = client.read();
        assertThat(p.qos()).isZero();
        assertThat(new String(p.payload(), StandardCharsets.UTF_8)).isEqualTo("cmd 12");
    }

    @Test
    void read_connectionClosedMidPacket_throws() throws IOException {
        peer.getOutputStream().write(bytes(0x32, 23, 0, 14));
        peer.close();
        assertThatThrownBy(client::read).isInstanceOf(IOException.class);
    }

    @Test
    void awaitClosed_peerCloses_returnsMinusOne() throws IOException {
        peer.close();
        assertThat(client.awaitClosed(10_000)).isEqualTo(-1);
    }

    @Test
    void open_recordsWhenTheTcpConnectionWasUp() throws IOException {
        long before = System.nanoTime();
        try (BlockingConnection c = BlockingConnection.open("127.0.0.1", server.getLocalPort(), null)) {
            assertThat(c.tcpConnectedNanos()).isBetween(before, System.nanoTime());
        }
        InputStream unused = server.accept().getInputStream();
        unused.close();
    }
}
