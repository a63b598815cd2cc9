package io.mqttcluster.broker.pubsub;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gives each message taken in by this node a cluster-wide unique id: a random 64-bit value chosen at
 * start (the node incarnation) and a counter. Thread-safe.
 */
public final class MessageIds {

    private final long high = new SecureRandom().nextLong();
    private final AtomicLong low = new AtomicLong();

    public long high() {
        return high;
    }

    public long nextLow() {
        return low.incrementAndGet();
    }
}
