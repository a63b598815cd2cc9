package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.connect.ConnectPackets;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a node receives, byte for byte: the PROXY v2 header (when enabled), the client's CONNECT,
 * and what the client sent right behind it. The "node" is a raw TCP server that answers a CONNACK
 * and closes at once; the client must still get the CONNACK.
 */
@Timeout(60)
class ProxyProtocolIT {
    private static final byte[] CONNACK = {0x20, 0x02, 0x00, 0x00};
    private final Gateways gateways = new Gateways();
    private final List<Buffer> received = new CopyOnWriteArrayList<>();
    private Vertx vertx;
    private NetServer node;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        node = vertx.createNetServer().connectHandler(socket -> {
            Buffer got = Buffer.buffer();
            socket.handler(data -> {
                got.appendBuffer(data);
                if (endsWithPingreq(got)) { // the whole client flight arrived
                    received.add(got);
                    socket.write(Buffer.buffer(CONNACK));
                    socket.close();
                }
            });
        });
        node.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static boolean endsWithPingreq(Buffer b) {
        int n = b.length();
        return n >= 2 && b.getByte(n - 2) == (byte) 0xC0 && b.getByte(n - 1) == 0;
    }

    @AfterEach
    void tearDown() throws Exception {
        gateways.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private Gateway gateway(boolean proxyProtocol) throws Exception {
        return gateways.start(Gateways.options(List.of("127.0.0.1:" + node.actualPort())).setProxyProtocol(proxyProtocol));
    }

    private byte[] clientFlight() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(ConnectPackets.v5("proxied").properties(ConnectPackets.sampleConnectProperties()).bytes());
        b.writeBytes(ConnectPackets.pingreq());
        return b.toByteArray();
    }

    @Test
    void proxyProtocolOn_nodeReceivesV2HeaderThenClientBytesExactly() throws Exception {
        Gateway g = gateway(true);
        byte[] flight = clientFlight();
        int clientPort;
        byte[] answer;
        try (Socket s = RawSockets.open(g.mqttPort())) {
            clientPort = s.getLocalPort();
            s.getOutputStream().write(flight); // CONNECT and PINGREQ in one write
            answer = RawSockets.readUntilClosed(s);
        }
        assertThat(answer).isEqualTo(CONNACK);
        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
        byte[] expectedHeader = {
            0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, // signature
            0x21, // version 2, command PROXY
            0x11, // TCP over IPv4
            0x00, 0x0C, // 12 address bytes follow
            127, 0, 0, 1, // source: the client
            127, 0, 0, 1, // destination: the gateway
            (byte) (clientPort >> 8), (byte) clientPort,
            (byte) (g.mqttPort() >> 8), (byte) g.mqttPort(),
        };
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(expectedHeader);
        expected.writeBytes(flight);
        assertThat(received.get(0).getBytes()).isEqualTo(expected.toByteArray());
    }

    @Test
    void proxyProtocolOff_nodeReceivesClientBytesExactly() throws Exception {
        Gateway g = gateway(false);
        byte[] flight = clientFlight();
        try (Socket s = RawSockets.open(g.mqttPort())) {
            s.getOutputStream().write(flight);
            assertThat(RawSockets.readUntilClosed(s)).isEqualTo(CONNACK);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
        assertThat(received.get(0).getBytes()).isEqualTo(flight);
    }

    @Test
    void connectOneByteAtATime_nodeReceivesItWhole() throws Exception {
        Gateway g = gateway(false);
        byte[] flight = clientFlight();
        try (Socket s = RawSockets.open(g.mqttPort())) {
            for (byte b : flight) {
                s.getOutputStream().write(b);
                s.getOutputStream().flush();
            }
            assertThat(RawSockets.readUntilClosed(s)).isEqualTo(CONNACK);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
        assertThat(received.get(0).getBytes()).isEqualTo(flight);
    }
}
