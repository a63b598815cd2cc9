package io.mqttcluster.bench.client;


import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts connection attempts at a steady rate (connections per second, 0 = as fast as allowed) with at most
 * {@code maxPending} attempts awaiting their CONNACK at once, so a large fleet does not flood the listen backlog.
 * Ticks every millisecond on one event loop; {@link #submit} and {@link #attemptFinished} are thread-safe.
 */
public final class ConnectPacer {
    private final LoopContext tickLoop;
    private final RateLimiter limiter;
    private final int maxPending;
    private final ConcurrentLinkedQueue<MqttClient> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private ScheduledFuture<?> ticker;

    public ConnectPacer(LoopContext tickLoop, double ratePerSecond, int maxPending) {
        this.tickLoop = tickLoop;
        this.limiter = ratePerSecond > 0 ? new RateLimiter(ratePerSecond, 0.05) : null;
        this.maxPending = Math.max(1, maxPending);
    }

    public void submit(MqttClient client) {
        queue.add(client);
        tickLoop.run(this::ensureTicking);
    }

    /** Called by a client when its attempt ends (CONNACK or failure). */
    void attemptFinished() {
        pending.decrementAndGet();
    }

    public int queued() {
        return queue.size();
    }

    public int pending() {
        return pending.get();
    }

    private void ensureTicking() {
        if (ticker == null) {
            if (limiter != null) {
                limiter.start(System.nanoTime());
            }
            ticker = tickLoop.loop().scheduleAtFixedRate(this::tick, 0, 1, TimeUnit.MILLISECONDS);
        }
    }

    private void tick() {
        long now = System.nanoTime();
        long allowed = limiter == null ? Long.MAX_VALUE : limiter.available(now);
        long started = 0;
        while (started < allowed && pending.get() < maxPending) {
            MqttClient c = queue.poll();
            if (c == null) {
                break;
            }
            pending.incrementAndGet();
            started++;
            c.loopContext().run(() -> c.startConnect(this));
        }
        if (limiter != null) {
            limiter.consume(started);
        }
        if (queue.isEmpty() && pending.get() == 0 && ticker != null) {
            ticker.cancel(false);
            ticker = null;
        }
    }
}
