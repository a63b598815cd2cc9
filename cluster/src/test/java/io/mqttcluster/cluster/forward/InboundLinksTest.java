package io.mqttcluster.cluster.forward;

import io.mqttcluster.cluster.Ports;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receiving side's rules, driven frame by frame from raw connections that play the sender "node-raw":
 * duplicates dropped, gaps refused, the last sequence kept across connections of one stream.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InboundLinksTest {

    private static final String B = "node-b";

    private Vertx vertx;
    private ClusterBus b;
    private int port;
    private final List<Long> processed = new CopyOnWriteArrayList<>();

    /** One raw connection to node-b: writes frames, and queues what comes back as "TYPE:value". */
    private final class Raw {
        final NetSocket socket;
        final BlockingQueue<String> in = new LinkedBlockingQueue<>();
        final Promise<Void> closed = Promise.promise();
        /** What happened on this connection, with times: the message of a failed wait. */
        final List<String> events = new CopyOnWriteArrayList<>();

        /**
         * Held for the life of the connection: Vert.x 5 closes a client, and its connections, once the client object
         * is unreachable (CleanableNetClient), so a garbage collection between two steps of a test closed the
         * socket with no word from either side (the rare failure this class used to hunt).
         */
        final NetClient client;

        Raw() {
            client = vertx.createNetClient();
            socket = client.connect(port, "127.0.0.1").await();
            event("connected " + socket.localAddress() + " -> " + socket.remoteAddress());
            socket.closeHandler(v -> {
                event("closed");
                closed.tryComplete();
            });
            socket.handler(new FrameReader(socket, new FrameReader.Sink() {
                @Override
                public boolean frame(Buffer buf, int start, int end) {
                    byte type = buf.getByte(start);
                    event("frame type " + type);
                    in.add((type == BusFrames.RESUME ? "RESUME:" : type == BusFrames.ACK ? "ACK:" : "OTHER:") + buf.getLong(start + 1));
                    return true;
                }

                @Override
                public void endOfBatch() {
                }
            }));
        }

        void event(String what) {
            events.add(java.time.LocalTime.now() + " [" + Thread.currentThread().getName() + "] " + what);
        }

        Raw hello(long stream, long firstSeq) {
            event("HELLO stream " + stream + " first " + firstSeq);
            socket.write(BusFrames.hello(new BusFrames.Hello(BusFrames.VERSION, "node-raw", B, stream, firstSeq, new byte[0])));
            return this;
        }

        Raw data(long... seqs) {
            Buffer all = Buffer.buffer();
            for (long seq : seqs) {
                byte[] f = BusFrames.data(1, Buffer.buffer().appendLong(seq));
                BusFrames.setSeq(f, seq);
                all.appendBytes(f);
            }
            event("DATA " + java.util.Arrays.toString(seqs));
            socket.write(all);
            return this;
        }

        String next() throws InterruptedException {
            String s = in.poll(20, TimeUnit.SECONDS);
            assertThat(s).as("a frame from node-b within 20 s; this connection: %s", events).isNotNull();
            return s;
        }

        /** Waits for an ACK of at least {@code last}. */
        void awaitAck(long last) throws InterruptedException {
            String s;
            do {
                s = next();
            } while (!s.startsWith("ACK:") || Long.parseLong(s.substring(4)) < last);
            assertThat(s).isEqualTo("ACK:" + last);
        }
    }

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        b = new ClusterBus(vertx, B, new ClusterBus.Receiver() {
            @Override
            public void onMessage(String fromNode, int kind, BufferDataInput payload) {
                try {
                    processed.add(payload.readLong());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public Future<Buffer> onRequest(String fromNode, int kind, BufferDataInput payload) {
                return Future.succeededFuture(Buffer.buffer());
            }
        });
        port = b.listen("127.0.0.1", Ports.pickFree()).await();
    }

    @AfterEach
    void stop() {
        b.close().await();
        vertx.close().await();
    }

    @Test
    void data_duplicateThenGap_duplicateDroppedAndGapClosesConnection() throws Exception {
        Raw raw = new Raw().hello(1, 1);
        assertThat(raw.next()).isEqualTo("RESUME:0");

        raw.data(1, 2, 2, 1);
        raw.awaitAck(2);
        assertThat(processed).containsExactly(1L, 2L);
        assertThat(b.duplicatesDropped()).isEqualTo(2);

        raw.data(4);
        raw.closed.future().await();
        assertThat(processed).containsExactly(1L, 2L);
    }

    @Test
    void hello_secondConnectionOfSameStream_resumesAfterLastProcessedAndBothShareIt() throws Exception {
        Raw first = new Raw().hello(1, 1);
        assertThat(first.next()).isEqualTo("RESUME:0");
        first.data(1, 2, 3);
        first.awaitAck(3);

        Raw second = new Raw().hello(1, 1);
        assertThat(second.next()).isEqualTo("RESUME:3");
        second.data(3, 4);
        second.awaitAck(4);
        first.data(4, 5); // the old connection, still open, late: 4 is a duplicate, 5 is next
        first.awaitAck(5);

        assertThat(processed).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(b.duplicatesDropped()).isEqualTo(2);
    }

    @Test
    void hello_newerStreamOfSameSender_startsFromItsFirstSeqAndRetiresOldConnections() throws Exception {
        Raw old = new Raw().hello(1, 1);
        assertThat(old.next()).isEqualTo("RESUME:0");
        old.data(1, 2);
        old.awaitAck(2);

        Raw fresh = new Raw().hello(2, 1);
        assertThat(fresh.next()).isEqualTo("RESUME:0");
        fresh.data(1);
        fresh.awaitAck(1);
        old.data(3);
        old.closed.future().await();
        Raw stale = new Raw().hello(1, 3);
        stale.closed.future().await();

        assertThat(processed).containsExactly(1L, 2L, 1L);
    }

    @Test
    void hello_senderForgottenAfterRemovePeer_resumesAfterWhatSenderKnowsAcked() throws Exception {
        Raw first = new Raw().hello(1, 1);
        assertThat(first.next()).isEqualTo("RESUME:0");
        first.data(1, 2);
        first.awaitAck(2);

        b.removePeer("node-raw");
        Raw again = new Raw().hello(1, 3);

        assertThat(again.next()).isEqualTo("RESUME:2");
        again.data(3);
        again.awaitAck(3);
        first.data(3);
        first.closed.future().await(); // its stream state was retired with the forget
        assertThat(processed).containsExactly(1L, 2L, 3L);
    }

    @Test
    void data_beforeHello_closesConnection() throws Exception {
        Raw raw = new Raw();

        raw.data(1);

        raw.closed.future().await();
        assertThat(processed).isEmpty();
    }
}
