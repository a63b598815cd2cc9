package io.mqttcluster.cluster.forward;

import io.mqttcluster.cluster.Ports;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput of one-way frames, one sender thread to one receiver over loopback. Not a test: runs only with
 * {@code mvn -B -pl cluster test -Dtest=ClusterBusThroughputBench -Dbus.bench=true}.
 */
@EnabledIfSystemProperty(named = "bus.bench", matches = "true")
class ClusterBusThroughputBench {

    private static final int FRAMES = Integer.getInteger("bus.bench.frames", 1_000_000);
    private static final int PAYLOAD = 64;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void oneway_oneSenderLoopback_printsFramesPerSecond() throws Exception {
        Vertx va = Vertx.vertx();
        Vertx vb = Vertx.vertx();
        AtomicLong received = new AtomicLong();
        ClusterBus.Receiver counting = new ClusterBus.Receiver() {
            @Override
            public void onMessage(String fromNode, int kind, BufferDataInput payload) {
                received.incrementAndGet();
            }

            @Override
            public Future<Buffer> onRequest(String fromNode, int kind, BufferDataInput payload) {
                return Future.succeededFuture(Buffer.buffer());
            }
        };
        ClusterBus a = new ClusterBus(va, "node-a", counting);
        ClusterBus b = new ClusterBus(vb, "node-b", counting);
        int port = Ports.pickFree();
        b.listen("127.0.0.1", port).await();
        a.addPeer("node-b", "127.0.0.1", port);
        Buffer payload = Buffer.buffer(new byte[PAYLOAD]);
        try {
            for (int round = 0; round < 5; round++) {
                long start = System.nanoTime();
                long target = received.get() + FRAMES;
                for (int i = 0; i < FRAMES; i++) {
                    while (!sent(a, payload)) {
                        Thread.onSpinWait();
                    }
                }
                long sentNs = System.nanoTime() - start;
                while (received.get() < target) {
                    Thread.onSpinWait();
                }
                long ns = System.nanoTime() - start;
                System.out.printf("bench round=%d frames=%d payload=%d send_ms=%d total_ms=%d frames_per_s=%d MB_per_s=%.1f%n",
                        round, FRAMES, PAYLOAD, sentNs / 1_000_000, ns / 1_000_000, FRAMES * 1_000_000_000L / ns,
                        FRAMES * (double) PAYLOAD * 1000 / ns);
            }
        } finally {
            a.close().await();
            b.close().await();
            va.close().await();
            vb.close().await();
        }
    }

    private static boolean sent(ClusterBus bus, Buffer payload) {
        return bus.send("node-b", 1, payload) >= 0;
    }
}
