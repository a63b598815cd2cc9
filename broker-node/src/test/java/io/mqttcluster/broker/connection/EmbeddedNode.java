package io.mqttcluster.broker.connection;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mqttcluster.broker.Broker;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.broker.testing.LogCapture;
import io.mqttcluster.cluster.InMemoryCluster;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node's real connection pipeline ({@link MqttListener#initPipeline}: PROXY decoder, WebSocket handlers, Netty's
 * MQTT decoder, {@link MqttConnection}) on an embedded channel, over a real broker on the in-memory cluster store, for
 * the fuzz tests: bytes in, what the node wrote back and whether it closed out. No socket, no Hazelcast.
 *
 * <p>Threads: the embedded channel is driven from one real Vert.x event loop, the one whose context owns the
 * connection, so the broker's answers (which come back on that context) and the test's bytes never race.
 * Allocation is measured on that thread: the channel allocates on the heap (unpooled), so a buffer sized by a length
 * the peer announced would show.
 */
final class EmbeddedNode implements AutoCloseable {

    static final int MAX_PACKET = 64 * 1024;
    /** A {@code done} for {@link #run} that lets 30 turns of the loop pass: the store's answers (CONNACK) come in that. */
    static final Predicate<byte[]> SOME_TURNS = sent -> false;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    final Vertx vertx;
    final Broker broker;
    final MqttListener listener;
    final EventLoop loop;
    final LogCapture logs;

    EmbeddedNode(Map<String, String> overrides) {
        vertx = Vertx.vertx();
        java.util.HashMap<String, String> settings = new java.util.HashMap<>(Map.of(
                "mqtt.max-packet-size", String.valueOf(MAX_PACKET), "mqtt.connect-timeout", "30s"));
        settings.putAll(overrides);
        BrokerConfig config = BrokerConfig.defaults().with(settings);
        broker = new Broker(config, InMemoryCluster.start("fuzz"), new BrokerMetrics(new SimpleMeterRegistry()), vertx, null);
        broker.state().ready(true);
        listener = new MqttListener(broker.protocolServices());
        loop = ((VertxInternal) vertx).nettyEventLoopGroup().next();
        logs = LogCapture.install();
    }

    /** What one connection did with the bytes it was given. */
    record Outcome(boolean closed, byte[] sent, long allocatedBytes, MqttConnection connection) {
        /** The MQTT packets the node sent (whole ones), as type and body. */
        List<Packet> packets() {
            return Packet.split(sent);
        }

        boolean sentType(int type) {
            return packets().stream().anyMatch(p -> p.type() == type);
        }
    }

    /** One MQTT packet as the node framed it. */
    record Packet(int type, int flags, byte[] body) {
        static List<Packet> split(byte[] s) {
            List<Packet> out = new ArrayList<>();
            int i = 0;
            while (i < s.length) {
                int first = s[i] & 0xFF;
                int len = 0;
                int mult = 1;
                int j = i + 1;
                int b;
                do {
                    if (j >= s.length) {
                        return out;
                    }
                    b = s[j++] & 0xFF;
                    len += (b & 0x7F) * mult;
                    mult *= 128;
                } while ((b & 0x80) != 0);
                if (j + len > s.length) {
                    return out;
                }
                out.add(new Packet(first >> 4, first & 0x0F, java.util.Arrays.copyOfRange(s, j, j + len)));
                i = j + len;
            }
            return out;
        }
    }

    /**
     * Opens a connection, feeds it {@code chunks} (as separate reads) while it stays open, then lets the event loop
     * run until {@code done} holds for what the node sent (at most 5 s), or, with no {@code done}, for a few turns:
     * enough for what the node does with the bytes at once, not for answers of the store.
     */
    Outcome run(MqttListener.Transport transport, List<byte[]> chunks, Predicate<byte[]> done) throws Exception {
        EmbeddedChannel[] holder = new EmbeddedChannel[1];
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        long allocated = loop.submit(() -> {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            EmbeddedChannel ch = new EmbeddedChannel(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel c) {
                    c.config().setAllocator(new UnpooledByteBufAllocator(false));
                    listener.initPipeline(c, transport, null, loop, true);
                }
            });
            holder[0] = ch;
            for (byte[] chunk : chunks) {
                if (!ch.isOpen()) {
                    break; // a closed socket reads nothing more
                }
                ch.writeInbound(Unpooled.wrappedBuffer(chunk));
                ch.runPendingTasks();
            }
            long used = THREADS.getCurrentThreadAllocatedBytes() - before;
            drain(ch, sent);
            return used;
        }).get(10, TimeUnit.SECONDS);
        EmbeddedChannel ch = holder[0];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int turns = done == null ? 3 : done == SOME_TURNS ? 30 : 100_000;
        for (int turn = 0; turn < turns && System.nanoTime() < deadline; turn++) {
            boolean finished = loop.submit(() -> {
                ch.runPendingTasks();
                drain(ch, sent);
                return !ch.isOpen() || (done != null && done.test(sent.toByteArray()));
            }).get(10, TimeUnit.SECONDS);
            if (finished && turn >= 2) {
                break;
            }
        }
        return loop.submit(() -> {
            boolean closed = !ch.isOpen();
            MqttConnection c = ch.pipeline().get(MqttConnection.class);
            ch.close();
            ch.runPendingTasks();
            drain(ch, sent);
            ch.finishAndReleaseAll();
            return new Outcome(closed, sent.toByteArray(), allocated, c);
        }).get(10, TimeUnit.SECONDS);
    }

    /** A few hundred connections first, so that class loading and the JIT do not count as allocation per input. */
    void warmUp() throws Exception {
        byte[] connect = io.mqttcluster.broker.testing.RawClient.connect("warm-up", true, 30);
        byte[] publish = io.mqttcluster.broker.testing.RawClient.publish("w/u", new byte[]{1}, 1, false, false, 1);
        for (int i = 0; i < 300; i++) {
            byte[] both = java.util.Arrays.copyOf(connect, connect.length + publish.length);
            System.arraycopy(publish, 0, both, connect.length, publish.length);
            run(MqttListener.Transport.TCP, List.of(both), sent -> Packet.split(sent).size() >= 2);
            run(MqttListener.Transport.TCP, List.of(new byte[]{0x10, 3, 0, 0, 0}), null);
        }
        logs.events.clear();
    }

    private static void drain(EmbeddedChannel ch, ByteArrayOutputStream sent) {
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                byte[] bytes = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), bytes);
                sent.writeBytes(bytes);
            }
            io.netty.util.ReferenceCountUtil.release(o);
        }
    }

    /**
     * What holds for every input: no bug surfaced (an exception of our own code closing a connection is logged as
     * {@code event=connection_error}), and the thread allocated at most a bound that does not grow with what a packet
     * announces.
     */
    void assertHealthy(Outcome o, int inputLength) {
        List<ILoggingEvent> bugs = logs.from("io.mqttcluster.broker.ConnectionError");
        List<ILoggingEvent> traces = logs.events.stream()
                .filter(e -> e.getThrowableProxy() != null && e.getLoggerName().startsWith("io.mqttcluster")).toList();
        logs.events.clear();
        assertThat(bugs).as("exceptions of our own code").isEmpty();
        assertThat(traces).as("stack traces").isEmpty();
        assertThat(o.allocatedBytes()).as("bytes allocated for an input of %d bytes", inputLength)
                .isLessThan(2L * 1024 * 1024 + 64L * inputLength);
    }

    @Override
    public void close() throws Exception {
        logs.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
