package io.mqttcluster.cluster.forward;

import io.mqttcluster.cluster.Ports;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two buses on their own Vert.x instances over real TCP on 127.0.0.1 ("node-a" sends, "node-b" receives),
 * with a {@link TcpProxy} between them where connections must break.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterBusTest {

    private static final String A = "node-a";
    private static final String B = "node-b";

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Vertx va;
    private Vertx vb;
    private Recorder recorder;
    private ClusterBus a;
    private ClusterBus b;
    private int bPort;

    /** Records what node-b receives: per sender thread, the indexes in arrival order, and order violations. */
    private static final class Recorder implements ClusterBus.Receiver {
        final AtomicLong received = new AtomicLong();
        final ConcurrentHashMap<Integer, Long> nextIndex = new ConcurrentHashMap<>();
        final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile Promise<Buffer> requestAnswer;

        @Override
        public void onMessage(String fromNode, int kind, BufferDataInput payload) {
            try {
                int thread = payload.readInt();
                long index = payload.readLong();
                long expected = nextIndex.getOrDefault(thread, 0L);
                if (index != expected) {
                    violations.add("thread " + thread + " expected " + expected + " got " + index);
                }
                nextIndex.put(thread, index + 1);
                received.incrementAndGet();
            } catch (IOException e) {
                violations.add(e.toString());
            }
        }

        @Override
        public Future<Buffer> onRequest(String fromNode, int kind, BufferDataInput payload) {
            Promise<Buffer> p = requestAnswer;
            if (p != null) {
                return p.future();
            }
            try {
                return Future.succeededFuture(Buffer.buffer("echo:" + fromNode + ":" + kind + ":" + payload.readUTF()));
            } catch (IOException e) {
                return Future.failedFuture(e);
            }
        }
    }

    @BeforeEach
    void start() throws Exception {
        va = Vertx.vertx();
        vb = Vertx.vertx();
        recorder = new Recorder();
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) {
            a.close().await();
        }
        if (b != null) {
            b.close().await();
        }
        for (AutoCloseable c : toClose) {
            c.close();
        }
        va.close().await();
        vb.close().await();
    }

    private void startBuses(ClusterBusOptions aOptions, ClusterBusOptions bOptions) throws Exception {
        a = new ClusterBus(va, A, recorder, aOptions);
        b = new ClusterBus(vb, B, recorder, bOptions);
        bPort = b.listen("127.0.0.1", Ports.pickFree()).await();
    }

    private TcpProxy proxyToB() throws Exception {
        TcpProxy proxy = TcpProxy.to(bPort);
        toClose.add(proxy);
        return proxy;
    }

    private static Buffer payload(int thread, long index) {
        return Buffer.buffer(64).appendInt(thread).appendLong(index).appendBytes(new byte[52]);
    }

    /** The same payload, written straight into its frame. */
    private static FrameOutput framed(int thread, long index) {
        FrameOutput out = new FrameOutput(1, 8);
        out.writeInt(thread);
        out.writeLong(index);
        out.write(new byte[52]);
        return out;
    }

    /**
     * Sends {@code count} frames from each of {@code threads} threads, calling {@code beforeSend} with the index
     * in thread 0 before each of its frames, and asking {@code delivered} for every 1000th frame. Odd threads
     * write their messages straight into frames ({@link FrameOutput}). Returns the last sequence each thread got.
     */
    private long[] sendFromThreads(int threads, int count, LongConsumer beforeSend, List<Future<Void>> delivered)
            throws InterruptedException {
        long[] lastSeq = new long[threads];
        List<Thread> senders = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread sender = new Thread(() -> {
                for (long i = 0; i < count; i++) {
                    if (thread == 0) {
                        beforeSend.accept(i);
                    }
                    long seq = thread % 2 == 0 ? a.send(B, 1, payload(thread, i)) : a.send(B, framed(thread, i));
                    assertThat(seq).isPositive();
                    lastSeq[thread] = seq;
                    if (i % 1000 == 0) {
                        delivered.add(a.delivered(B, seq));
                    }
                }
            }, "sender-" + t);
            sender.setUncaughtExceptionHandler((th, e) -> failures.add(e));
            senders.add(sender);
        }
        senders.forEach(Thread::start);
        for (Thread s : senders) {
            s.join();
        }
        assertThat(failures).isEmpty();
        return lastSeq;
    }

    private void assertAllReceivedInOrder(int threads, int count) {
        await().atMost(Duration.ofSeconds(40)).until(() -> recorder.received.get() >= (long) threads * count);
        assertThat(recorder.violations).isEmpty();
        assertThat(recorder.received.get()).isEqualTo((long) threads * count);
        for (int t = 0; t < threads; t++) {
            assertThat(recorder.nextIndex.get(t)).isEqualTo((long) count);
        }
    }

    @Test
    void oneway_steadyStreamFromTwoThreads_eachFrameOnceInThreadOrder() throws Exception {
        startBuses(new ClusterBusOptions(), new ClusterBusOptions());
        a.addPeer(B, "127.0.0.1", bPort);

        List<Future<Void>> delivered = java.util.Collections.synchronizedList(new ArrayList<>());
        assertThat(a.isDelivered(B, 1)).isFalse();

        long[] last = sendFromThreads(2, 25_000, i -> { }, delivered);

        assertAllReceivedInOrder(2, 25_000);
        assertThat(a.delivered(B, Math.max(last[0], last[1])).await()).isNull();
        assertThat(a.isDelivered(B, Math.max(last[0], last[1]))).isTrue();
        assertThat(a.isDelivered(B, Math.max(last[0], last[1]) + 1)).isFalse();
        Future.all(delivered).await();
        await().until(() -> a.unackedBytes() == 0);
        assertThat(a.resentFrames()).isZero();
        assertThat(b.duplicatesDropped()).isZero();
    }

    @Test
    void oneway_connectionsResetMidStream_eachFrameOnceInOrderAndAllDelivered() throws Exception {
        startBuses(new ClusterBusOptions().reconnectDelayMillis(50), new ClusterBusOptions());
        TcpProxy proxy = proxyToB();
        a.addPeer(B, "127.0.0.1", proxy.port());
        List<Future<Void>> delivered = java.util.Collections.synchronizedList(new ArrayList<>());

        long[] last = sendFromThreads(2, 25_000, i -> {
            if (i == 5_000 || i == 10_000 || i == 15_000) {
                // once the latest connection is up and frames flow (about half of those sent so far arrived),
                // break both directions: node-b may have processed frames it did not ack yet
                int connection = (int) (i / 5_000);
                await("connection " + connection + " answered").atMost(Duration.ofSeconds(20))
                        .until(() -> proxy.answered() >= connection && recorder.received.get() >= i);
                proxy.resetAll();
            } else if (i == 20_000) {
                // the old connection stays open towards node-b while node-a reconnects; its frames arrive late
                await("connection 4 answered").atMost(Duration.ofSeconds(20))
                        .until(() -> proxy.answered() >= 4 && recorder.received.get() >= i);
                proxy.freezeAll();
            } else if (i == 20_500) {
                await("frames held").atMost(Duration.ofSeconds(20)).until(() -> proxy.heldBytes() > 2_000);
                proxy.hangUpFrozen();
            } else if (i == 21_000) {
                await("connection 5 answered").atMost(Duration.ofSeconds(20)).until(() -> proxy.answered() >= 5);
                proxy.releaseFrozen();
            }
        }, delivered);
        for (long seq : last) {
            delivered.add(a.delivered(B, seq));
        }

        assertAllReceivedInOrder(2, 25_000);
        assertThat(Future.all(delivered).await()).isNotNull();
        await().until(() -> a.unackedBytes() == 0);
        assertThat(proxy.accepted()).isGreaterThanOrEqualTo(5);
        assertThat(a.resentFrames()).isPositive();
        assertThat(b.duplicatesDropped()).isPositive();
    }

    @Test
    void oneway_connectionGoesSilent_givenUpAfterTimeoutAndResumed() throws Exception {
        startBuses(new ClusterBusOptions().deliveryTimeoutMillis(400).reconnectDelayMillis(50), new ClusterBusOptions());
        TcpProxy proxy = proxyToB();
        a.addPeer(B, "127.0.0.1", proxy.port());
        for (int i = 0; i < 100; i++) {
            a.send(B, 1, payload(0, i));
        }
        a.delivered(B, 100).await();

        proxy.swallow(true); // no FIN, no RST: the connection just stops carrying anything
        for (int i = 100; i < 200; i++) {
            a.send(B, 1, payload(0, i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> proxy.accepted() >= 2);
        proxy.swallow(false);

        await().atMost(Duration.ofSeconds(20)).until(() -> recorder.received.get() == 200);
        await().atMost(Duration.ofSeconds(20)).until(() -> a.unackedBytes() == 0);
        assertThat(recorder.violations).isEmpty();
        assertThat(a.delivered(B, 200).succeeded()).isTrue();
    }

    @Test
    void delivered_calledOnEventLoop_completesOnThatContext() throws Exception {
        startBuses(new ClusterBusOptions(), new ClusterBusOptions());
        a.addPeer(B, "127.0.0.1", bPort);
        io.vertx.core.Context caller = va.getOrCreateContext();
        Promise<Boolean> sameContext = Promise.promise();

        caller.runOnContext(v -> {
            long seq = a.send(B, 1, payload(0, 0));
            a.delivered(B, seq).onComplete(ar -> sameContext.complete(ar.succeeded() && io.vertx.core.Vertx.currentContext() == caller));
        });

        assertThat(sameContext.future().await()).isTrue();
    }

    @Test
    void delivered_givenItsCallersContext_completesThereFromAnyThread() throws Exception {
        startBuses(new ClusterBusOptions(), new ClusterBusOptions());
        a.addPeer(B, "127.0.0.1", bPort);
        io.vertx.core.internal.ContextInternal caller = (io.vertx.core.internal.ContextInternal) va.getOrCreateContext();
        Promise<Boolean> onCaller = Promise.promise();

        long seq = a.send(B, 1, payload(0, 0)); // on the test's thread, where no context is current
        a.delivered(B, seq, caller).onComplete(ar -> onCaller.complete(ar.succeeded() && io.vertx.core.Vertx.currentContext() == caller));

        assertThat(onCaller.future().await()).isTrue();
    }

    @Test
    void delivered_manyFramesFromTwoContexts_eachCompletesOnItsCallersContext_inSendOrder() throws Exception {
        // one acknowledgement covers many frames: their callers are woken once per context, each in its order
        startBuses(new ClusterBusOptions(), new ClusterBusOptions());
        a.addPeer(B, "127.0.0.1", bPort);
        int perContext = 2_000;
        List<io.vertx.core.Context> callers = List.of(va.getOrCreateContext(), va.getOrCreateContext());
        List<Promise<String>> results = new ArrayList<>();
        for (io.vertx.core.Context caller : callers) {
            Promise<String> result = Promise.promise();
            results.add(result);
            caller.runOnContext(v -> {
                List<Long> completed = new ArrayList<>(perContext);
                for (int i = 0; i < perContext; i++) {
                    long seq = a.send(B, 1, payload(0, i));
                    a.delivered(B, seq).onComplete(ar -> {
                        if (ar.failed() || io.vertx.core.Vertx.currentContext() != caller) {
                            result.tryComplete("frame " + seq + ": " + (ar.failed() ? ar.cause() : "on another context"));
                        } else if (!completed.isEmpty() && completed.get(completed.size() - 1) > seq) {
                            result.tryComplete("frame " + seq + " after " + completed.get(completed.size() - 1));
                        } else {
                            completed.add(seq);
                            if (completed.size() == perContext) {
                                result.tryComplete("ok");
                            }
                        }
                    });
                }
            });
        }
        for (Promise<String> result : results) {
            assertThat(result.future().await()).isEqualTo("ok");
        }
    }

    @Test
    void delivered_peerRemoved_succeeds() throws Exception {
        startBuses(new ClusterBusOptions(), new ClusterBusOptions());
        TcpProxy proxy = proxyToB();
        proxy.swallow(true);
        a.addPeer(B, "127.0.0.1", proxy.port());
        long seq = a.send(B, 1, payload(0, 0));
        Future<Void> delivered = a.delivered(B, seq);
        await().until(() -> proxy.accepted() >= 1);
        assertThat(delivered.isComplete()).isFalse();

        a.removePeer(B);

        await().atMost(Duration.ofSeconds(20)).until(delivered::isComplete);
        assertThat(delivered.succeeded()).isTrue();
        assertThat(a.delivered(B, seq).succeeded()).isTrue();
        assertThat(a.send(B, 1, payload(0, 1))).isEqualTo(-1);
    }

    @Test
    void delivered_receiverNeverAcks_failsAfterDeliveryTimeout() throws Exception {
        startBuses(new ClusterBusOptions().deliveryTimeoutMillis(300), new ClusterBusOptions());
        TcpProxy proxy = proxyToB();
        proxy.swallow(true);
        a.addPeer(B, "127.0.0.1", proxy.port());
        long seq = a.send(B, 1, payload(0, 0));
        long start = System.nanoTime();

        Future<Void> delivered = a.delivered(B, seq);

        await().atMost(Duration.ofSeconds(20)).until(delivered::isComplete);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(290);
        assertThat(delivered.failed()).isTrue();
        assertThat(delivered.cause()).hasMessageContaining("no acknowledgement");
        assertThat(recorder.received.get()).isZero();
    }

    @Test
    void delivered_alreadyAcknowledgedSeq_succeedsAtOnce() throws Exception {
        startBuses(new ClusterBusOptions(), new ClusterBusOptions());
        a.addPeer(B, "127.0.0.1", bPort);
        long first = a.send(B, 1, payload(0, 0));
        long second = a.send(B, 1, payload(0, 1));
        assertThat(first).isEqualTo(1);
        assertThat(second).isEqualTo(2);
        a.delivered(B, second).await();

        Future<Void> old = a.delivered(B, first);

        assertThat(old.succeeded()).isTrue();
        assertThat(a.delivered(B, second).succeeded()).isTrue();
        assertThat(a.delivered(B, 3).failed()).isTrue(); // never sent
        assertThat(a.delivered(B, 0).failed()).isTrue();
    }

    @Test
    void send_unackedBytesAtCap_refusedUntilAcksArrive() throws Exception {
        startBuses(new ClusterBusOptions().maxUnackedBytes(10_000), new ClusterBusOptions());
        TcpProxy proxy = proxyToB();
        proxy.swallow(true);
        a.addPeer(B, "127.0.0.1", proxy.port());
        long accepted = 0;
        long seq;
        while ((seq = a.send(B, 1, payload(0, accepted))) > 0) {
            accepted = seq;
        }
        assertThat(accepted).isBetween(100L, 10_000L / 78);
        assertThat(a.refusedSends()).isEqualTo(1);
        assertThat(a.unackedBytes()).isLessThanOrEqualTo(10_000);

        await().until(() -> proxy.open() >= 1);
        proxy.swallow(false);
        proxy.resetAll(); // the swallowed HELLO is never answered: start again

        await().atMost(Duration.ofSeconds(20)).until(() -> a.unackedBytes() == 0);
        long total = accepted + 1;
        assertThat(a.send(B, 1, payload(0, accepted))).isEqualTo(total);
        await().until(() -> recorder.received.get() == total);
        assertThat(recorder.violations).isEmpty();
    }

    @Test
    void send_unknownPeer_returnsMinusOne() throws Exception {
        startBuses(new ClusterBusOptions(), new ClusterBusOptions());

        assertThat(a.send("node-x", 1, payload(0, 0))).isEqualTo(-1);
        assertThat(a.refusedSends()).isZero();
        assertThat(a.delivered("node-x", 5).succeeded()).isTrue();
    }

    @Test
    void request_peerAnswers_completesWithReplyWhileOnewaysFlow() throws Exception {
        startBuses(new ClusterBusOptions(), new ClusterBusOptions());
        a.addPeer(B, "127.0.0.1", bPort);
        for (int i = 0; i < 1000; i++) {
            a.send(B, 1, payload(0, i));
        }

        Buffer reply = a.request(B, 7, Buffer.buffer().appendUnsignedShort(2).appendString("hi"), 20_000).await();

        assertThat(reply.toString()).isEqualTo("echo:node-a:7:hi");
        assertThat(recorder.received.get()).isEqualTo(1000); // the request went after them, on the same link
    }

    @Test
    void request_noReply_failsAfterTimeout() throws Exception {
        startBuses(new ClusterBusOptions(), new ClusterBusOptions());
        a.addPeer(B, "127.0.0.1", bPort);
        recorder.requestAnswer = Promise.promise(); // never completed

        Future<Buffer> reply = a.request(B, 7, Buffer.buffer(), 200);

        await().atMost(Duration.ofSeconds(20)).until(reply::isComplete);
        assertThat(reply.cause()).hasMessageContaining("no reply");
    }

    @Test
    void oneway_peerRemovedAndAddedAgain_newStreamProcessedFromOne() throws Exception {
        startBuses(new ClusterBusOptions(), new ClusterBusOptions());
        a.addPeer(B, "127.0.0.1", bPort);
        for (int i = 0; i < 10; i++) {
            a.send(B, 1, payload(0, i));
        }
        a.delivered(B, 10).await();

        a.removePeer(B);
        a.addPeer(B, "127.0.0.1", bPort);
        long seq = 0;
        for (int i = 10; i < 15; i++) {
            seq = a.send(B, 1, payload(0, i));
        }

        assertThat(seq).isEqualTo(5);
        a.delivered(B, seq).await();
        assertThat(recorder.received.get()).isEqualTo(15);
        assertThat(recorder.violations).isEmpty();
        assertThat(b.duplicatesDropped()).isZero();
    }

    @Test
    void hello_meantForAnotherNode_refusedAndNothingProcessed() throws Exception {
        startBuses(new ClusterBusOptions().deliveryTimeoutMillis(500).reconnectDelayMillis(50), new ClusterBusOptions());
        // node-b restarted as someone else on the same address: frames for the old node must not reach the new one
        a.addPeer("node-b-before-restart", "127.0.0.1", bPort);
        long seq = a.send("node-b-before-restart", 1, payload(0, 0));

        Future<Void> delivered = a.delivered("node-b-before-restart", seq);

        await().atMost(Duration.ofSeconds(20)).until(delivered::isComplete);
        assertThat(delivered.failed()).isTrue();
        assertThat(recorder.received.get()).isZero();
    }

    @Test
    void hello_peerAuthRefuses_nothingProcessed() throws Exception {
        PeerAuth ours = PeerAuth.sharedSecret("the secret of node-a's cluster".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        PeerAuth theirs = PeerAuth.sharedSecret("the secret of node-b's cluster".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        startBuses(new ClusterBusOptions().peerAuth(ours).deliveryTimeoutMillis(500), new ClusterBusOptions().peerAuth(theirs));
        a.addPeer(B, "127.0.0.1", bPort);
        long seq = a.send(B, 1, payload(0, 0));

        Future<Void> delivered = a.delivered(B, seq);

        await().atMost(Duration.ofSeconds(20)).until(delivered::isComplete);
        assertThat(delivered.failed()).isTrue();
        assertThat(recorder.received.get()).isZero();
    }
}
