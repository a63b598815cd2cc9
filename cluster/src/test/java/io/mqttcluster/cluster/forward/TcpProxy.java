package io.mqttcluster.cluster.forward;

import io.mqttcluster.cluster.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy for tests, on its own Vert.x: forwards 127.0.0.1:{@link #port()} to a target port, and can
 * reset its connections, swallow everything, or freeze a connection (keep what the client sends, drop what
 * the target answers, and hang up on the client while the target side stays open) to let the held bytes
 * reach the target later, after the client reconnected.
 */
final class TcpProxy implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final NetClient client = vertx.createNetClient();
    private final int targetPort;
    private final NetServer server;
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
    private final Queue<Pair> frozen = new ConcurrentLinkedQueue<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();
    private volatile boolean swallow;

    private static final class Pair {
        final NetSocket front;
        volatile NetSocket back;
        volatile boolean held;
        final Queue<Buffer> heldBytes = new ConcurrentLinkedQueue<>();
        final AtomicLong heldCount = new AtomicLong();
        boolean answered;

        Pair(NetSocket front) {
            this.front = front;
        }
    }

    private TcpProxy(int targetPort) throws Exception {
        this.targetPort = targetPort;
        this.server = vertx.createNetServer().connectHandler(this::accept);
        server.listen(Ports.pickFree(), "127.0.0.1").await();
    }

    static TcpProxy to(int targetPort) throws Exception {
        return new TcpProxy(targetPort);
    }

    int port() {
        return server.actualPort();
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** Connections on which the target has answered something (for the bus: the RESUME went through). */
    int answered() {
        return answered.get();
    }

    /** Connections open through the proxy (both sides up, not frozen). */
    int open() {
        return pairs.size();
    }

    /** While true, bytes in both directions are dropped (connections stay open). */
    void swallow(boolean on) {
        swallow = on;
    }

    /** Closes every connection, both sides. */
    void resetAll() {
        for (Pair p : List.copyOf(pairs)) {
            p.front.close();
            NetSocket b = p.back;
            if (b != null) {
                b.close();
            }
        }
    }

    /**
     * Freezes every open connection: from now on it keeps what its client sends (see {@link #releaseFrozen})
     * and drops what the target answers.
     */
    void freezeAll() {
        for (Pair p : List.copyOf(pairs)) {
            p.held = true;
            frozen.add(p);
            pairs.remove(p);
        }
    }

    /** Hangs up on the clients of the frozen connections; their target side stays open. */
    void hangUpFrozen() {
        frozen.forEach(p -> p.front.close());
    }

    /** Bytes the frozen connections received from their clients after the freeze. */
    long heldBytes() {
        return frozen.stream().mapToLong(p -> p.heldCount.get()).sum();
    }

    /** Writes what the frozen connections hold to the target, then closes them. */
    void releaseFrozen() {
        Pair p;
        while ((p = frozen.poll()) != null) {
            NetSocket b = p.back;
            Buffer all = Buffer.buffer();
            p.heldBytes.forEach(all::appendBuffer);
            b.write(all).onComplete(ar -> b.close());
        }
    }

    private void accept(NetSocket front) {
        accepted.incrementAndGet();
        Pair p = new Pair(front);
        front.pause();
        client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
            if (ar.failed()) {
                front.close();
                return;
            }
            NetSocket back = ar.result();
            p.back = back;
            pairs.add(p);
            front.handler(b -> {
                if (p.held) {
                    p.heldBytes.add(b.copy());
                    p.heldCount.addAndGet(b.length());
                } else if (!swallow) {
                    back.write(b);
                }
            });
            back.handler(b -> {
                if (!p.held && !swallow) {
                    if (!p.answered) {
                        p.answered = true;
                        answered.incrementAndGet();
                    }
                    front.write(b);
                }
            });
            front.closeHandler(v -> {
                pairs.remove(p);
                if (!p.held) {
                    back.close();
                }
            });
            back.closeHandler(v -> {
                pairs.remove(p);
                front.close();
            });
            front.resume();
        });
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
