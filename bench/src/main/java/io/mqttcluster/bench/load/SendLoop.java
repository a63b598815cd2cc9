package io.mqttcluster.bench.load;

import io.mqttcluster.bench.client.LoopContext;
import io.mqttcluster.bench.client.RateLimiter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Drives the publishers of one event loop. Round-robin over the publishers, one message each per pass, while the
 * budget lasts: the rate limiter's due permits (every millisecond) in rate mode, or a batch per turn in max-rate
 * mode, where the run reschedules itself as long as someone could send and otherwise waits to be woken by an
 * acknowledgement, a writable socket or a release of the closed-loop window. Touched only on its loop, except
 * {@link #wake()}.
 */
public final class SendLoop implements Runnable, Window.Waiter {
    private static final int BATCH = 1024;
    private static final int BURST = 8;

    private final LoopContext ctx;
    private final List<Publisher> publishers = new ArrayList<>();
    private final RateLimiter limiter;
    private final Window window;
    private int cursor;
    private boolean scheduled;
    private boolean running;
    private ScheduledFuture<?> ticker;

    /**
     * @param ratePerSecond this loop's share of the total rate, or 0 for as fast as the windows allow
     * @param window        the run's closed-loop window, or null
     */
    public SendLoop(LoopContext ctx, double ratePerSecond, Window window) {
        this.ctx = ctx;
        this.limiter = ratePerSecond > 0 ? new RateLimiter(ratePerSecond, 0.1) : null;
        this.window = window;
    }

    public LoopContext loopContext() {
        return ctx;
    }

    /** Adds a publisher (call on the loop, before {@link #start}). */
    void add(Publisher p) {
        publishers.add(p);
    }

    public int size() {
        return publishers.size();
    }

    /** Starts sending. Call on the loop. */
    public void start() {
        running = true;
        if (limiter != null) {
            limiter.start(System.nanoTime());
            ticker = ctx.loop().scheduleAtFixedRate(this::run, 0, 1, TimeUnit.MILLISECONDS);
        } else {
            schedule();
        }
    }

    /** Stops sending. Call on the loop. */
    public void stop() {
        running = false;
        if (ticker != null) {
            ticker.cancel(false);
            ticker = null;
        }
    }

    /** Permits the rate limiter gave up because sending fell behind (rate mode). */
    public long skipped() {
        return limiter == null ? 0 : limiter.skipped();
    }

    /** Asks for a run in this turn. Call on the loop. */
    void schedule() {
        if (!scheduled && running) {
            scheduled = true;
            ctx.loop().execute(this);
        }
    }

    /** Thread-safe form of {@link #schedule()}. */
    @Override
    public void wake() {
        if (ctx.inLoop()) {
            schedule();
        } else {
            ctx.loop().execute(this::schedule);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        if (!running) {
            return;
        }
        long budget = limiter == null ? BATCH : limiter.available(System.nanoTime());
        // In max-rate mode each publisher sends a burst before the next one's turn: fewer, larger socket writes.
        int burst = limiter == null ? BURST : 1;
        int n = publishers.size();
        long sent = 0;
        int misses = 0;
        while (sent < budget && misses < n) {
            Publisher p = publishers.get(cursor);
            int k = 0;
            boolean windowFull = false;
            while (k < burst && sent < budget && p.canSend()) {
                if (window != null && !window.tryAcquire(p.deliveriesPerMessage())) {
                    windowFull = true;
                    break;
                }
                p.sendOne();
                k++;
                sent++;
            }
            if (windowFull) {
                window.park(this); // the next run starts with p again
                break;
            }
            if (++cursor == n) {
                cursor = 0;
            }
            misses = k == 0 ? misses + 1 : 0;
        }
        if (limiter != null) {
            limiter.consume(sent);
        } else if (sent >= budget) {
            schedule();
        }
    }
}
