package io.mqttcluster.cluster.forward;

import io.mqttcluster.cluster.Ports;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Peer authentication on the bus: two real {@link ClusterBus} instances over TCP on 127.0.0.1 ("node-a" sends,
 * "node-b" receives), and raw connections that play a stranger on the pod network. A peer without the secret is
 * refused, counted, and gets nothing processed; a recorded HELLO does not open a second connection; frames above
 * the limits close the connection as soon as their length is read.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerAuthTest {

    private static final String A = "node-a";
    private static final String B = "node-b";
    private static final byte[] SECRET = "correct horse battery staple 42".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_SECRET = "another cluster's secret, 32 b.".getBytes(StandardCharsets.UTF_8);

    private Vertx va;
    private Vertx vb;
    private ClusterBus a;
    private ClusterBus b;
    private int bPort;
    /** Held in a field: Vert.x 5 closes a NetClient or NetServer (and its sockets) once it is garbage. */
    private final List<Object> held = new ArrayList<>();
    private final AtomicInteger messages = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    private final ClusterBus.Receiver receiver = new ClusterBus.Receiver() {
        @Override
        public void onMessage(String fromNode, int kind, BufferDataInput payload) {
            messages.incrementAndGet();
        }

        @Override
        public Future<Buffer> onRequest(String fromNode, int kind, BufferDataInput payload) {
            requests.incrementAndGet();
            return Future.succeededFuture(Buffer.buffer("ok"));
        }
    };

    @BeforeEach
    void start() {
        va = Vertx.vertx();
        vb = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        if (a != null) {
            a.close().await();
        }
        if (b != null) {
            b.close().await();
        }
        va.close().await();
        vb.close().await();
    }

    private static ClusterBusOptions options(byte[] secret) {
        return new ClusterBusOptions().deliveryTimeoutMillis(2000).reconnectDelayMillis(100)
                .peerAuth(secret == null ? PeerAuth.NONE : PeerAuth.sharedSecret(secret));
    }

    private void startB(ClusterBusOptions options) throws Exception {
        b = new ClusterBus(vb, B, receiver, options);
        bPort = b.listen("127.0.0.1", Ports.pickFree()).await();
    }

    private void startA(ClusterBusOptions options) {
        a = new ClusterBus(va, A, receiver, options);
        a.addPeer(B, "127.0.0.1", bPort);
    }

    // ------------------------------------------------------------------ two buses

    @Test
    void sameSecret_messagesAndRequestsFlow() throws Exception {
        startB(options(SECRET));
        startA(options(SECRET));

        long last = 0;
        for (int i = 0; i < 100; i++) {
            last = a.send(B, 1, Buffer.buffer("m" + i));
        }
        a.delivered(B, last).await(20, TimeUnit.SECONDS);
        Buffer reply = a.request(B, 2, Buffer.buffer("kick"), 10_000).await(20, TimeUnit.SECONDS);

        assertThat(messages).hasValue(100);
        assertThat(reply.toString()).isEqualTo("ok");
        assertThat(a.authFailures()).isZero();
        assertThat(b.authFailures()).isZero();
    }

    @Test
    void wrongSecret_refusedByReceiver_nothingDeliveredAndCounted() throws Exception {
        startB(options(SECRET));
        startA(options(OTHER_SECRET));

        long seq = a.send(B, 1, Buffer.buffer("forward"));
        a.request(B, 2, Buffer.buffer("kick"), 60_000);

        // two refused attempts: the first connection was closed without processing, and the sender tried again
        await().atMost(Duration.ofSeconds(20)).until(() -> b.authFailures() >= 2);
        assertThat(messages).hasValue(0);
        assertThat(requests).hasValue(0);
        assertThat(a.isDelivered(B, seq)).isFalse();
    }

    @Test
    void noSecretAtSender_refusedByReceiver_countedOnBothSides() throws Exception {
        startB(options(SECRET));
        startA(options(null));

        long seq = a.send(B, 1, Buffer.buffer("forward"));

        await().atMost(Duration.ofSeconds(20)).until(() -> b.authFailures() >= 2 && a.authFailures() >= 1);
        assertThat(messages).hasValue(0);
        assertThat(a.isDelivered(B, seq)).isFalse();
    }

    @Test
    void secretAtSenderOnly_receiverWithoutSecretGetsNoMessage() throws Exception {
        startB(options(null));
        startA(options(SECRET));

        long seq = a.send(B, 1, Buffer.buffer("forward"));

        // the sender waits for a CHALLENGE that never comes, and never sends its HELLO, let alone the message
        assertThatThrownBy(() -> a.delivered(B, seq).await(20, TimeUnit.SECONDS)).hasMessageContaining("no acknowledgement");
        assertThat(messages).hasValue(0);
    }

    @Test
    void receiverWithoutTheSecret_answeringAnyHello_refusedBySender_noDataSent() throws Exception {
        FakeAcceptor fake = new FakeAcceptor();
        bPort = fake.port;
        startA(options(SECRET));

        a.send(B, 1, Buffer.buffer("forward"));

        await().atMost(Duration.ofSeconds(20)).until(() -> a.authFailures() >= 2 && fake.hellos.get() >= 2);
        assertThat(fake.otherFrames).hasValue(0);
    }

    // ------------------------------------------------------------------ raw connections: a stranger

    @Test
    void rawForwardAndKick_withoutHandshake_closedNotProcessedCounted() throws Exception {
        startB(options(SECRET));

        Raw forward = new Raw();
        assertThat(forward.next()).startsWith("CHALLENGE:");
        forward.write(dataFrame(1));
        forward.closed.future().await(20, TimeUnit.SECONDS);

        Raw kick = new Raw();
        kick.next();
        kick.write(Buffer.buffer(BusFrames.request(1, 2, Buffer.buffer("client-1"))));
        kick.closed.future().await(20, TimeUnit.SECONDS);

        assertThat(messages).hasValue(0);
        assertThat(requests).hasValue(0);
        assertThat(b.authFailures()).isEqualTo(2);
    }

    @Test
    void rawHelloAndForward_withoutMac_closedNotProcessed() throws Exception {
        startB(options(SECRET));

        Raw raw = new Raw();
        raw.next();
        // HELLO with the empty MAC field of a node without a secret, and a forward right behind it
        raw.write(BusFrames.hello(new BusFrames.Hello(BusFrames.VERSION, "node-raw", B, 1, 1, new byte[0])).appendBuffer(dataFrame(1)));
        raw.closed.future().await(20, TimeUnit.SECONDS);

        assertThat(messages).hasValue(0);
        assertThat(b.authFailures()).isEqualTo(1);
        assertThat(raw.received).doesNotContain("RESUME");
    }

    @Test
    void helloWithTheSecret_opensConnection_sameHelloReplayedOnAnother_refused() throws Exception {
        startB(options(SECRET));
        PeerAuth auth = PeerAuth.sharedSecret(SECRET);

        Raw first = new Raw();
        byte[] challenge = first.challenge();
        Buffer hello = BusFrames.hello(new BusFrames.Hello(BusFrames.VERSION, "node-raw", B, 1, 1,
                auth.helloField(challenge, "node-raw", B, 1, 1)));
        first.write(hello.copy().appendBuffer(dataFrame(1)));
        assertThat(first.next()).isEqualTo("RESUME");
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.get() == 1);

        Raw replay = new Raw();
        replay.challenge();
        replay.write(hello.copy().appendBuffer(dataFrame(2)));
        replay.closed.future().await(20, TimeUnit.SECONDS);

        assertThat(messages).hasValue(1);
        assertThat(b.authFailures()).isEqualTo(1);
    }

    @Test
    void frameAboveHandshakeLimit_beforeHello_closedAfterItsLength() throws Exception {
        startB(options(SECRET));

        Raw raw = new Raw();
        raw.next();
        // a length of 64 MB and five bytes of it: closed on the length alone, nothing of the rest awaited
        raw.write(Buffer.buffer().appendInt(64 * 1024 * 1024).appendByte(BusFrames.HELLO).appendInt(0));
        raw.closed.future().await(20, TimeUnit.SECONDS);

        // just above the handshake limit (a HELLO is about 170 bytes)
        Raw second = new Raw();
        second.next();
        second.write(Buffer.buffer().appendInt(BusFrames.HANDSHAKE_MAX_FRAME + 1).appendByte(BusFrames.HELLO));
        second.closed.future().await(20, TimeUnit.SECONDS);
        assertThat(messages).hasValue(0);
    }

    @Test
    void frameAboveMaxFrameBytes_afterHandshake_closed() throws Exception {
        startB(options(SECRET).maxFrameBytes(ClusterBusOptions.MIN_MAX_FRAME_BYTES));
        PeerAuth auth = PeerAuth.sharedSecret(SECRET);

        Raw raw = new Raw();
        byte[] challenge = raw.challenge();
        raw.write(BusFrames.hello(new BusFrames.Hello(BusFrames.VERSION, "node-raw", B, 1, 1,
                auth.helloField(challenge, "node-raw", B, 1, 1))));
        assertThat(raw.next()).isEqualTo("RESUME");
        raw.write(Buffer.buffer().appendInt(ClusterBusOptions.MIN_MAX_FRAME_BYTES + 1).appendByte(BusFrames.DATA));
        raw.closed.future().await(20, TimeUnit.SECONDS);
        assertThat(messages).hasValue(0);
    }

    @Test
    void sendAboveMaxFrameBytes_refusedAtSender() throws Exception {
        startB(options(SECRET));
        startA(options(SECRET).maxFrameBytes(ClusterBusOptions.MIN_MAX_FRAME_BYTES));

        assertThat(a.send(B, 1, Buffer.buffer(new byte[ClusterBusOptions.MIN_MAX_FRAME_BYTES]))).isEqualTo(-1);
        assertThat(a.oversizeSends()).isEqualTo(1);
        long seq = a.send(B, 1, Buffer.buffer(new byte[1000]));
        a.delivered(B, seq).await(20, TimeUnit.SECONDS);
    }

    @Test
    void connectionThatSaysNothing_closedAfterTheTimeout() throws Exception {
        startB(options(SECRET).deliveryTimeoutMillis(300));

        Raw raw = new Raw();
        raw.next();
        raw.closed.future().await(20, TimeUnit.SECONDS);
        assertThat(b.authFailures()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ PeerAuth alone

    @Test
    void mac_boundToChallengeSenderReceiverAndStream() {
        PeerAuth auth = PeerAuth.sharedSecret(SECRET);
        byte[] challenge = auth.nonce();
        byte[] field = auth.helloField(challenge, "x", "y", 7, 1);

        assertThat(auth.checkHello(challenge, new BusFrames.Hello(1, "x", "y", 7, 1, field))).isTrue();
        assertThat(auth.checkHello(auth.nonce(), new BusFrames.Hello(1, "x", "y", 7, 1, field))).isFalse();
        assertThat(auth.checkHello(challenge, new BusFrames.Hello(1, "x", "z", 7, 1, field))).isFalse();
        assertThat(auth.checkHello(challenge, new BusFrames.Hello(1, "x", "y", 8, 1, field))).isFalse();
        assertThat(auth.checkHello(challenge, new BusFrames.Hello(1, "x", "y", 7, 2, field))).isFalse();
        assertThat(PeerAuth.sharedSecret(OTHER_SECRET).checkHello(challenge, new BusFrames.Hello(1, "x", "y", 7, 1, field))).isFalse();
        // the acceptor's answer cannot stand for a HELLO, and covers the sequence it names
        BusFrames.Hello h = new BusFrames.Hello(1, "x", "y", 7, 1, field);
        byte[] resume = auth.resumeMac(challenge, h, 5);
        assertThat(auth.checkResume(challenge, field, "x", "y", 7, 5, resume)).isTrue();
        assertThat(auth.checkResume(challenge, field, "x", "y", 7, 6, resume)).isFalse();
    }

    @Test
    void sharedSecret_tooShort_refused_andFingerprintDependsOnSecret() {
        assertThatThrownBy(() -> PeerAuth.sharedSecret(new byte[PeerAuth.MIN_SECRET_BYTES - 1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(PeerAuth.sharedSecret(SECRET).fingerprint()).hasSize(16)
                .isEqualTo(PeerAuth.sharedSecret(SECRET.clone()).fingerprint())
                .isNotEqualTo(PeerAuth.sharedSecret(OTHER_SECRET).fingerprint());
    }

    // ------------------------------------------------------------------ helpers

    private static Buffer dataFrame(long seq) {
        byte[] f = BusFrames.data(1, Buffer.buffer("forward " + seq));
        BusFrames.setSeq(f, seq);
        return Buffer.buffer(f);
    }

    /** A raw connection to node-b: what comes back is queued as "CHALLENGE:hex", "RESUME", "ACK", "OTHER". */
    private final class Raw {
        final NetClient client = vb.createNetClient();
        final NetSocket socket;
        final BlockingQueue<String> in = new LinkedBlockingQueue<>();
        final List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Promise<Void> closed = Promise.promise();

        Raw() {
            held.add(client);
            // node-b writes its CHALLENGE at once, and what arrives before a handler is set is lost: connect from an
            // event loop and set the handlers in the completion, which then runs there before any read (called from
            // this thread, the completion may be over before a callback is attached, which then runs here, late)
            Promise<NetSocket> connected = Promise.promise();
            vb.getOrCreateContext().runOnContext(v -> client.connect(bPort, "127.0.0.1").map(this::listen).onComplete(connected));
            socket = connected.future().await();
        }

        private NetSocket listen(NetSocket socket) {
            socket.closeHandler(v -> closed.tryComplete());
            FrameReader reader = new FrameReader(socket, new FrameReader.Sink() {
                @Override
                public boolean frame(Buffer buf, int start, int end) {
                    byte type = buf.getByte(start);
                    String s = type == BusFrames.CHALLENGE ? "CHALLENGE:" + hex(buf.getBytes(start + 1, end))
                            : type == BusFrames.RESUME ? "RESUME" : type == BusFrames.ACK ? "ACK" : "OTHER";
                    received.add(s);
                    in.add(s);
                    return true;
                }

                @Override
                public void endOfBatch() {
                }
            });
            reader.maxFrame(1 << 20);
            socket.handler(reader);
            return socket;
        }

        void write(Buffer b) {
            socket.write(b);
        }

        String next() throws InterruptedException {
            String s = in.poll(20, TimeUnit.SECONDS);
            assertThat(s).as("a frame from node-b within 20 s").isNotNull();
            return s;
        }

        byte[] challenge() throws InterruptedException {
            String s = next();
            assertThat(s).startsWith("CHALLENGE:");
            return java.util.HexFormat.of().parseHex(s.substring("CHALLENGE:".length()));
        }
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    /**
     * A receiver that sends a CHALLENGE and answers every HELLO with a RESUME whose MAC it cannot know: what a
     * stranger who joined Hazelcast and advertised its own bus address would do. Counts HELLOs and anything else.
     */
    private final class FakeAcceptor {
        final NetServer server = vb.createNetServer();
        final AtomicInteger hellos = new AtomicInteger();
        final AtomicInteger otherFrames = new AtomicInteger();
        final int port;

        FakeAcceptor() throws Exception {
            held.add(server);
            server.connectHandler(s -> {
                FrameReader reader = new FrameReader(s, new FrameReader.Sink() {
                    @Override
                    public boolean frame(Buffer buf, int start, int end) {
                        if (buf.getByte(start) == BusFrames.HELLO) {
                            hellos.incrementAndGet();
                            s.write(BusFrames.resume(0, new byte[PeerAuth.MAC_BYTES]));
                        } else {
                            otherFrames.incrementAndGet();
                        }
                        return true;
                    }

                    @Override
                    public void endOfBatch() {
                    }
                });
                reader.maxFrame(1 << 20);
                s.handler(reader);
                s.write(BusFrames.challenge(new byte[PeerAuth.NONCE_BYTES]));
            });
            port = server.listen(Ports.pickFree(), "127.0.0.1").await().actualPort();
        }
    }
}
