package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.backend.NodeState;
import io.mqttcluster.gateway.connect.ConnectPackets;
import io.mqttcluster.gateway.proxy.RejectReason;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MQTT 5 enhanced authentication through the gateway, byte for byte: a test-side node (a plain server socket,
 * because our broker nodes do not implement AUTH yet) answers the CONNECT with AUTH packets, the client answers
 * each, then the node sends CONNACK [MQTT 5.0 section 4.12]. The gateway must pass every AUTH both ways, must not
 * take the node's first AUTH for the CONNACK, and a drain asked during the exchange must wait for the CONNACK.
 * Also: CONNACK refusals the gateway writes itself to 5.0 clients. Health comes from a {@link HealthServer}, so the
 * gateway opens no TCP check connections to the test-side node.
 */
@Timeout(90)
class AuthExchangeIT {
    private static final String METHOD = "TEST-CHALLENGE";
    private final Gateways gateways = new Gateways();
    private final List<ServerSocket> fakeNodes = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    private Vertx vertx;
    private HealthServer health;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        health = new HealthServer(vertx);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        for (ServerSocket s : fakeNodes) {
            s.close();
        }
        gateways.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private ServerSocket fakeNode() throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        s.setSoTimeout(15_000);
        fakeNodes.add(s);
        return s;
    }

    private String entry(ServerSocket node) {
        return "127.0.0.1:" + node.getLocalPort() + ":" + health.port();
    }

    private Gateway gateway(List<ServerSocket> nodes) throws Exception {
        return gateways.start(Gateways.options(nodes.stream().map(this::entry).toList()).setDrainRate(100));
    }

    private Socket open(int port) throws IOException {
        Socket s = RawSockets.open(port);
        sockets.add(s);
        return s;
    }

    private Socket accept(ServerSocket node) throws IOException {
        Socket s = node.accept();
        s.setSoTimeout(15_000);
        sockets.add(s);
        return s;
    }

    /** AUTH with a reason code, the Authentication Method and Authentication Data [MQTT 5.0 section 3.15]. */
    static byte[] auth(int reasonCode, String data) {
        byte[] props = ConnectPackets.props().utf8(0x15, METHOD).binary(0x16, data.getBytes(StandardCharsets.UTF_8)).bytes();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(reasonCode);
        ConnectPackets.varInt(body, props.length);
        body.writeBytes(props);
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0xF0);
        ConnectPackets.varInt(packet, body.size());
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }

    private static byte[] connectWithAuthentication(String clientId) {
        return ConnectPackets.v5(clientId)
                .properties(ConnectPackets.props().u32(0x11, 0).utf8(0x15, METHOD).binary(0x16, new byte[] {1}).bytes())
                .bytes();
    }

    private static final byte[] CONNACK_OK = {0x20, 0x03, 0x00, 0x00, 0x00};
    private static final byte[] PINGREQ = {(byte) 0xC0, 0x00};
    private static final byte[] PINGRESP = {(byte) 0xD0, 0x00};

    private static void send(Socket s, byte[]... packets) throws IOException {
        for (byte[] p : packets) {
            s.getOutputStream().write(p);
        }
        s.getOutputStream().flush();
    }

    private static byte[] read(Socket s, int n) throws IOException {
        return s.getInputStream().readNBytes(n);
    }

    /** Reads until the peer closes; fails when it does not within the socket timeout. */
    private static byte[] readToEnd(Socket s) throws IOException {
        return RawSockets.readUntilClosed(s);
    }

    @Test
    void authRoundsBeforeConnack_passBothWaysUnchanged_thenTheConnectionCarriesPackets() throws Exception {
        ServerSocket node = fakeNode();
        Gateway g = gateway(List.of(node));
        Socket client = open(g.mqttPort());
        byte[] connect = connectWithAuthentication("auth-client-1");
        send(client, connect);
        Socket atNode = accept(node);
        assertThat(read(atNode, connect.length)).isEqualTo(connect);

        for (int round = 1; round <= 3; round++) {
            byte[] challenge = auth(0x18, "challenge-" + round);
            send(atNode, challenge);
            assertThat(read(client, challenge.length)).as("AUTH round %d to the client", round).isEqualTo(challenge);
            byte[] response = auth(0x18, "response-" + round);
            send(client, response);
            assertThat(read(atNode, response.length)).as("AUTH round %d to the node", round).isEqualTo(response);
        }
        assertThat(g.metrics().splicedCount(5)).isEqualTo(1);
        send(atNode, CONNACK_OK);
        assertThat(read(client, CONNACK_OK.length)).isEqualTo(CONNACK_OK);
        send(client, PINGREQ);
        assertThat(read(atNode, 2)).isEqualTo(PINGREQ);
        send(atNode, PINGRESP);
        assertThat(read(client, 2)).isEqualTo(PINGRESP);
        assertThat(g.metrics().connectCount(5)).isEqualTo(1);
    }

    @Test
    void drainDuringAuthExchange_waitsForTheConnack_thenDisconnectsBothWays() throws Exception {
        ServerSocket node = fakeNode();
        Gateway g = gateway(List.of(node));
        String key = "127.0.0.1:" + node.getLocalPort();
        Socket client = open(g.mqttPort());
        byte[] connect = connectWithAuthentication("auth-drained");
        send(client, connect);
        Socket atNode = accept(node);
        assertThat(read(atNode, connect.length)).isEqualTo(connect);
        byte[] challenge = auth(0x18, "challenge");
        send(atNode, challenge);
        assertThat(read(client, challenge.length)).isEqualTo(challenge);

        // the node starts draining while the client is still authenticating: the move is asked now ...
        health.notReady();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.nodes().get(key).state() == NodeState.DRAINING);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.metrics().movedCount(MoveReason.DRAIN) == 1);

        // ... but nothing is cut before the CONNACK: the client's answer still reaches the node
        byte[] response = auth(0x18, "response");
        send(client, response);
        assertThat(read(atNode, response.length)).isEqualTo(response);
        // the CONNACK and a PUBLISH in one write: the client gets the CONNACK, then the gateway's DISCONNECT
        byte[] publish = {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 'x'};
        byte[] both = new byte[CONNACK_OK.length + publish.length];
        System.arraycopy(CONNACK_OK, 0, both, 0, CONNACK_OK.length);
        System.arraycopy(publish, 0, both, CONNACK_OK.length, publish.length);
        send(atNode, both);

        byte[] toClient = readToEnd(client);
        assertThat(toClient).startsWith(CONNACK_OK);
        byte[] disconnect = java.util.Arrays.copyOfRange(toClient, CONNACK_OK.length, toClient.length);
        assertThat(disconnect[0] & 0xFF).as("DISCONNECT").isEqualTo(0xE0);
        assertThat(disconnect[2] & 0xFF).as("server shutting down").isEqualTo(0x8B);
        assertThat(disconnect[1] & 0xFF).as("remaining length").isEqualTo(disconnect.length - 2);
        assertThat(new String(disconnect, StandardCharsets.UTF_8)).contains("drain");
        assertThat(readToEnd(atNode)).as("the node: a DISCONNECT in the client's name, then the close")
                .containsExactly(0xE0, 0x00);
        assertThat(g.metrics().disconnectsSentCount(0x8B)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> g.metrics().splicedCount(5) == 0);
    }

    @Test
    void nodeClosesAfterItsFirstAuth_clientClosedToo_theCONNECTIsNotReplayedToTheNextNode() throws Exception {
        ServerSocket a = fakeNode();
        ServerSocket b = fakeNode();
        Gateway g = gateway(List.of(a, b));
        List<String> keys = List.of("127.0.0.1:" + a.getLocalPort(), "127.0.0.1:" + b.getLocalPort());
        String id = "auth-replay-0";
        for (int i = 0; !Clients.expected(id, keys).equals(keys.get(0)); i++) {
            id = "auth-replay-" + i;
        }
        Socket client = open(g.mqttPort());
        byte[] connect = connectWithAuthentication(id);
        send(client, connect);
        Socket atA = accept(a);
        assertThat(read(atA, connect.length)).isEqualTo(connect);
        byte[] challenge = auth(0x18, "challenge");
        send(atA, challenge);
        assertThat(read(client, challenge.length)).isEqualTo(challenge);
        atA.close(); // the node answered, then went away: the client saw its AUTH, no other node may take over
        assertThat(readToEnd(client)).isEmpty();
        b.setSoTimeout(500);
        org.junit.jupiter.api.Assertions.assertThrows(SocketTimeoutException.class, b::accept,
                "the next node got a connection: the CONNECT was replayed after the node had answered");
    }

    @Test
    void malformedMqtt5Connect_connackWithTheReasonCode_thenClose() throws Exception {
        ServerSocket node = fakeNode();
        Gateway g = gateway(List.of(node));
        Socket client = open(g.mqttPort());
        send(client, ConnectPackets.v5("dup").properties(ConnectPackets.props().u32(0x11, 1).u32(0x11, 2).bytes()).bytes());
        assertThat(readToEnd(client)).containsExactly(0x20, 0x03, 0x00, 0x82, 0x00);
        Socket other = open(g.mqttPort());
        send(other, ConnectPackets.v5("bad").properties(ConnectPackets.props().u8(0x7E, 1).bytes()).bytes());
        assertThat(readToEnd(other)).containsExactly(0x20, 0x03, 0x00, 0x81, 0x00);
        assertThat(g.metrics().rejectedCount(RejectReason.INVALID_CONNECT)).isEqualTo(2);
        assertThat(g.metrics().connacksSentCount(0x82)).isEqualTo(1);
        assertThat(g.metrics().connacksSentCount(0x81)).isEqualTo(1);
        // a 3.1.1 client's malformed CONNECT is closed without a packet, as before
        Socket old = open(g.mqttPort());
        byte[] v311 = ConnectPackets.v311("old").bytes();
        v311[9] |= 0x01; // reserved flag
        send(old, v311);
        assertThat(readToEnd(old)).isEmpty();
    }

    @Test
    void noNodeReady_mqtt5ClientGetsServerUnavailable_mqtt311ClientAPlainClose() throws Exception {
        ServerSocket node = fakeNode();
        Gateway g = gateway(List.of(node));
        health.notReady();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.nodes().get("127.0.0.1:" + node.getLocalPort()).state()
                == NodeState.DRAINING);
        Socket v5 = open(g.mqttPort());
        send(v5, ConnectPackets.v5("nowhere").bytes());
        assertThat(readToEnd(v5)).containsExactly(0x20, 0x03, 0x00, 0x88, 0x00);
        Socket v311 = open(g.mqttPort());
        send(v311, ConnectPackets.v311("nowhere-311").bytes());
        assertThat(readToEnd(v311)).isEmpty();
        assertThat(g.metrics().rejectedCount(RejectReason.NO_HEALTHY_NODE)).isEqualTo(2);
        assertThat(g.metrics().connacksSentCount(0x88)).isEqualTo(1);
    }
}
