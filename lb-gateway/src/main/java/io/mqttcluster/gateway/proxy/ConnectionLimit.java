package io.mqttcluster.gateway.proxy;

import java.util.concurrent.atomic.AtomicInteger;

/** The cap on client connections open at once, shared by every event loop (an atomic count). */
public final class ConnectionLimit {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    public ConnectionLimit(int max) {
        this.max = max;
    }

    /** Takes a slot; false when all {@code max} are in use. */
    public boolean tryAcquire() {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    public void release() {
        open.decrementAndGet();
    }

    /** Client connections open now (any phase). */
    public int open() {
        return open.get();
    }
}
