package io.mqttcluster.bench.load;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The closed-loop window: at most {@code capacity} expected deliveries sent and not yet received, over all
 * publishers and subscribers of the run. A message to S receivers takes S units and each first receipt returns
 * one, so with a capacity of W * S and every message going to all S receivers, at most W messages are outstanding.
 * Thread-safe.
 *
 * <p>A message that is never delivered (QoS 0 loss) would hold its units for ever; when the window has been full with
 * no delivery for the stall timeout, {@link #checkStall} forgives the outstanding units and counts a stall.
 */
public final class Window {
    private final long capacity;
    private final long stallTimeoutNanos;
    private final long wakeBelow;
    private final AtomicLong outstanding = new AtomicLong();
    private final AtomicLong maxOutstanding = new AtomicLong();
    private final List<Waiter> parked = new CopyOnWriteArrayList<>();
    private long releases;
    private long releasesAtLastCheck;
    private long lastProgressNanos = System.nanoTime();
    private volatile long stalls;

    private static final java.lang.invoke.VarHandle RELEASES;

    static {
        try {
            RELEASES = java.lang.invoke.MethodHandles.lookup().findVarHandle(Window.class, "releases", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * @param capacity in deliveries (messages times receivers per message)
     */
    public Window(long capacity, long stallTimeoutMillis) {
        if (capacity < 1) {
            throw new IllegalArgumentException("window must be at least 1");
        }
        this.capacity = capacity;
        this.stallTimeoutNanos = stallTimeoutMillis * 1_000_000L;
        // Parked senders wake when a quarter of the window (at most 64 units) is free: batches, not a trickle.
        this.wakeBelow = capacity - Math.max(1, Math.min(capacity / 4, 64));
    }

    public long capacity() {
        return capacity;
    }

    /** Takes {@code n} units if they fit (a message larger than the window is let through alone). */
    public boolean tryAcquire(int n) {
        while (true) {
            long cur = outstanding.get();
            long next = cur + n;
            if (next > capacity && cur > 0) {
                return false;
            }
            if (outstanding.compareAndSet(cur, next)) {
                if (next > maxOutstanding.get()) {
                    maxOutstanding.accumulateAndGet(next, Math::max);
                }
                return true;
            }
        }
    }

    /** Returns units for delivered messages and wakes parked senders. Never goes below zero. */
    public void release(int n) {
        long now = outstanding.addAndGet(-n);
        if (now < 0) {
            outstanding.accumulateAndGet(0, Math::max); // late arrivals after a stall was forgiven
        }
        releases++; // racy across loops on purpose: only "did anything arrive" matters
        if (now <= wakeBelow && !parked.isEmpty()) {
            wakeAll();
        }
    }

    /** Something that waits for room in the window (a {@link SendLoop}). */
    public interface Waiter {
        /** Called from any thread when there is room again. */
        void wake();
    }

    /** A sender that found the window full waits here until a release. */
    public void park(Waiter loop) {
        if (!parked.contains(loop)) {
            parked.add(loop);
        }
        if (outstanding.get() <= wakeBelow) {
            wakeAll(); // a release raced with parking
        }
    }

    private void wakeAll() {
        for (Waiter loop : parked) {
            if (parked.remove(loop)) {
                loop.wake();
            }
        }
    }

    /**
     * Called about once a second from one thread: forgives a window that has been full without any delivery for the
     * stall timeout.
     */
    public boolean checkStall(long nowNanos) {
        long r = (long) RELEASES.getOpaque(this);
        if (r != releasesAtLastCheck || parked.isEmpty() || outstanding.get() == 0) {
            releasesAtLastCheck = r;
            lastProgressNanos = nowNanos;
            return false;
        }
        if (nowNanos - lastProgressNanos > stallTimeoutNanos) {
            outstanding.set(0);
            stalls++;
            lastProgressNanos = nowNanos;
            wakeAll();
            return true;
        }
        return false;
    }

    public long outstanding() {
        return outstanding.get();
    }

    /** The most units ever outstanding at once. */
    public long maxOutstanding() {
        return maxOutstanding.get();
    }

    public long stalls() {
        return stalls;
    }
}
