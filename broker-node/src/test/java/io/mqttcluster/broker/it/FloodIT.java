package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.Closer;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.ProcessCluster;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.Scrape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 2,000 connections publish QoS 1 as fast as their sockets take it (once accepted), never waiting for an acknowledgement, into a
 * node whose store cannot keep up (every message goes to ten offline persistent sessions, each write backed up on
 * the second node). The node's heap is 256 MB. What a user must see: the node stays up, its heap after each
 * collection stays under a stated bound, a well-behaved client's round trip keeps working, and the flood is held
 * in the flooders' own socket buffers (reading paused: {@code mqtt_inbound_paused_total}).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FloodIT {

    private static final int CONNECTIONS = 2_000;
    private static final long FLOOD_MILLIS = 20_000;
    /** The heap after a collection (G1's old generation) the node must stay under, of its 256 MB. */
    private static final long LIVE_HEAP_BOUND = 240L * 1024 * 1024;
    /** mqtt.max-inbound-pending-bytes-total at its default: an eighth of the heap (at most 32 MB). */
    private static final long BUDGET = 32L * 1024 * 1024;

    @RegisterExtension
    final Closer open = new Closer();

    @Test
    void aFloodOfUnacknowledgedPublishesIsHeldInTheFloodersSockets_notInTheHeap() throws Exception {
        ProcessCluster cluster = open.keep(ProcessCluster.start(2, Map.of("mqtt.max-connections", "10000")));
        int port = cluster.mqttPort(0);
        for (int i = 0; i < 10; i++) {
            try (Paho offline = Paho.connect(port, "flood-archive-" + i, false)) {
                offline.subscribe("flood/#", 1);
            }
        }
        Paho healthy = open.keep(Paho.connect(port, "flood-healthy", true));
        healthy.subscribe("health/ping", 1);

        HeapWatch heap = new HeapWatch(cluster.httpPort(0));
        java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        open.keep(sampler::shutdownNow);
        sampler.scheduleWithFixedDelay(heap, 0, 250, TimeUnit.MILLISECONDS);
        Flooder flooder = new Flooder(port);
        Thread flooding = new Thread(flooder, "flooder");
        flooding.setDaemon(true);
        flooding.start();

        // while the flood runs: the healthy client's round trips go on
        List<Long> roundTrips = new ArrayList<>();
        long end = System.currentTimeMillis() + FLOOD_MILLIS;
        int n = 0;
        while (System.currentTimeMillis() < end) {
            long t0 = System.nanoTime();
            Paho.Received r;
            try {
                healthy.publish("health/ping", "ping-" + n, 1, false);
                r = healthy.next(15_000);
            } catch (Exception e) {
                r = null;
            }
            if (r == null) {
                String m = Scrape.metrics(cluster.httpPort(0));
                System.out.println("DIAG " + m.lines().filter(l -> l.startsWith("mqtt_inbound") || l.startsWith("mqtt_cluster_bus") || l.startsWith("mqtt_connections{")
                        || l.startsWith("jvm_memory_used_bytes") || l.startsWith("mqtt_store") || l.startsWith("mqtt_messages_received"))
                        .collect(java.util.stream.Collectors.joining("\nDIAG ")));
                String out = cluster.nodes.get(0).allOutput();
                System.out.println("DIAG node output tail: " + out.substring(Math.max(0, out.length() - 4000)));
            }
            assertThat(r).as("round trip %d during the flood", n).isNotNull();
            assertThat(r.payload()).isEqualTo("ping-" + n);
            roundTrips.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            n++;
        }
        flooder.stop = true;
        flooding.join(30_000);
        sampler.shutdown();
        assertThat(sampler.awaitTermination(15, TimeUnit.SECONDS)).isTrue();

        assertThat(flooder.connected).as("flood connections accepted").isGreaterThanOrEqualTo(CONNECTIONS * 9 / 10);
        assertThat(cluster.nodes.get(0).process.isAlive()).isTrue();
        assertThat(cluster.nodes.get(0).allOutput()).doesNotContain("OutOfMemoryError");
        String metrics = Scrape.metrics(cluster.httpPort(0));
        double paused = Scrape.sum(metrics, "mqtt_inbound_paused_total");
        System.out.printf("flood: %d connections, %.1f MB written by the flooders, %d healthy round trips "
                        + "(max %d ms), live heap after GC max %.1f MB, heap used max %.1f MB, reading paused %.0f times, "
                        + "inbound pending max %.1f MB, storing max %.1f MB%n",
                flooder.connected, flooder.written.get() / 1e6, roundTrips.size(),
                roundTrips.stream().mapToLong(Long::longValue).max().orElse(-1),
                heap.maxLive / 1048576.0, heap.maxUsed / 1048576.0, paused, heap.maxPending / 1048576.0,
                heap.maxStoring / 1048576.0);
        assertThat(paused).as("the store fell behind and reading paused").isGreaterThan(0);
        assertThat(heap.samples).isGreaterThan(10);
        assertThat(heap.maxLive).as("live heap after GC").isLessThan(LIVE_HEAP_BOUND);
        // the node's own accounting: messages read and not yet acknowledged overshoot the budget by at most one
        // 16 KB read per connection; store rounds under way stay near a quarter of it
        assertThat(heap.maxPending).as("inbound pending").isLessThan(BUDGET + CONNECTIONS * 16L * 1024 + BUDGET / 2);
        assertThat(heap.maxStoring).as("store rounds under way").isLessThan(BUDGET / 2);

        // after the flood: the flooders' messages leave the node's count as their writes finish (nothing leaks),
        // and the healthy client goes on
        await().atMost(120, TimeUnit.SECONDS).pollInterval(500, TimeUnit.MILLISECONDS).until(() -> {
            String after = Scrape.metrics(cluster.httpPort(0));
            return Scrape.sum(after, "mqtt_connections") == 1 && Scrape.sum(after, "mqtt_inbound_pending_bytes") == 0
                    && Scrape.sum(after, "mqtt_inbound_storing_bytes") == 0;
        });
        healthy.publish("health/ping", "after", 1, false);
        assertThat(healthy.next(15_000)).isNotNull();
    }

    /** Samples the node's heap from /metrics: the live data after the last collection, and the heap in use. */
    private static final class HeapWatch implements Runnable {
        private final int httpPort;
        volatile long maxLive;
        volatile long maxUsed;
        volatile long maxPending;
        volatile long maxStoring;
        volatile int samples;

        HeapWatch(int httpPort) {
            this.httpPort = httpPort;
        }

        @Override
        public void run() {
            try {
                String m = Scrape.metrics(httpPort);
                maxLive = Math.max(maxLive, (long) Scrape.sum(m, "jvm_gc_live_data_size_bytes"));
                maxUsed = Math.max(maxUsed, (long) Scrape.sum(m, "jvm_memory_used_bytes", "area=\"heap\""));
                maxPending = Math.max(maxPending, (long) Scrape.sum(m, "mqtt_inbound_pending_bytes"));
                maxStoring = Math.max(maxStoring, (long) Scrape.sum(m, "mqtt_inbound_storing_bytes"));
                samples++;
            } catch (Exception e) {
                // a scrape that timed out under load: the next one counts
            }
        }
    }

    /** 2,000 non-blocking sockets on one selector, each sending QoS 1 PUBLISHes as fast as it can, acks discarded. */
    private static final class Flooder implements Runnable {
        private final int port;
        volatile boolean stop;
        volatile int connected;
        final AtomicLong written = new AtomicLong();

        Flooder(int port) {
            this.port = port;
        }

        @Override
        public void run() {
            byte[] chunk = chunk();
            ByteBuffer discard = ByteBuffer.allocate(64 * 1024);
            List<SocketChannel> channels = new ArrayList<>();
            try (Selector selector = Selector.open()) {
                for (int i = 0; i < CONNECTIONS && !stop; i++) {
                    SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                    channels.add(c);
                    c.write(ByteBuffer.wrap(RawClient.connect("flood-" + i, true, 0)));
                    ByteBuffer connack = ByteBuffer.allocate(4);
                    c.socket().setSoTimeout(30_000);
                    while (connack.hasRemaining() && c.read(connack) >= 0) {
                        // a CONNACK is 4 bytes: the flood starts once the connection is accepted
                    }
                    c.configureBlocking(false);
                    c.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE, ByteBuffer.wrap(chunk));
                    connected++;
                }
                while (!stop) {
                    selector.select(100);
                    for (SelectionKey k : selector.selectedKeys()) {
                        SocketChannel c = (SocketChannel) k.channel();
                        try {
                            if (k.isReadable()) {
                                discard.clear();
                                if (c.read(discard) < 0) {
                                    k.cancel();
                                    continue;
                                }
                            }
                            if (k.isValid() && k.isWritable()) {
                                ByteBuffer b = (ByteBuffer) k.attachment();
                                if (!b.hasRemaining()) {
                                    b.rewind();
                                }
                                written.addAndGet(c.write(b));
                            }
                        } catch (IOException closed) {
                            k.cancel();
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                for (SocketChannel c : channels) {
                    try {
                        c.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }

        /** 64 QoS 1 PUBLISHes of 512 bytes on ten topics, packet ids 1..64. */
        private static byte[] chunk() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] payload = new byte[512];
            for (int i = 1; i <= 64; i++) {
                out.writeBytes(RawClient.publish("flood/" + (i % 10), payload, 1, false, false, i));
            }
            return out.toByteArray();
        }
    }
}
