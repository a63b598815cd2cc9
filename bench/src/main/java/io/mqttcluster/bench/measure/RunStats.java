package io.mqttcluster.bench.measure;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters and latency recorders of one run, shared by all clients and read by the progress reporter.
 * Thread-safe (adders and HdrHistogram recorders, which are wait-free for writers).
 *
 * <p>The measurement window is [{@link #measureStart}, {@link #measureEnd}) in {@link Clock} time: rates count what
 * was sent or received inside it, latency counts messages <em>sent</em> inside it (wherever they arrived), so the
 * warm-up is excluded and the drain does not bias the tail.
 */
public final class RunStats {
    /** Highest latency recorded (larger values are clamped): 10 minutes in nanoseconds. */
    public static final long MAX_LATENCY_NANOS = 600_000_000_000L;

    public final LongAdder sent = new LongAdder();
    public final LongAdder sentMeasured = new LongAdder();
    public final LongAdder received = new LongAdder();
    public final LongAdder receivedMeasured = new LongAdder();
    /** First receipts of expected messages, per expected delivery. */
    public final LongAdder firstReceipts = new LongAdder();
    /** Deliveries the sent messages should cause (sum over sent messages of their receivers). */
    public final LongAdder expectedDeliveries = new LongAdder();
    public final LongAdder duplicates = new LongAdder();
    public final LongAdder outOfOrder = new LongAdder();
    /** Payloads without a bench header, or from publishers the receiver does not expect. */
    public final LongAdder foreign = new LongAdder();
    /** QoS 1/2 publishes completed (PUBACK, or PUBCOMP for QoS 2). */
    public final LongAdder acked = new LongAdder();
    /** QoS 1/2 publishes sent (each counted once, however often resent). */
    public final LongAdder ackable = new LongAdder();
    /** PUBACK/PUBREC with a failure reason code (MQTT 5). */
    public final LongAdder rejected = new LongAdder();
    public final LongAdder resent = new LongAdder();
    public final LongAdder connected = new LongAdder();
    public final LongAdder connectFailures = new LongAdder();
    public final LongAdder connectionsLost = new LongAdder();
    public final LongAdder protocolErrors = new LongAdder();
    public final LongAdder subscribeFailures = new LongAdder();
    public final AtomicLong connectedNow = new AtomicLong();

    private final Recorder latency = newRecorder();
    private final Recorder warmupLatency = newRecorder();
    private final Recorder ackLatency = newRecorder();
    private final Recorder connectLatency = newRecorder();

    private volatile long measureStart = Long.MAX_VALUE;
    private volatile long measureEnd = Long.MAX_VALUE;

    private static Recorder newRecorder() {
        return new Recorder(1_000L, MAX_LATENCY_NANOS, 3);
    }

    public void measureFrom(long clockNanos) {
        measureStart = clockNanos;
    }

    public void measureUntil(long clockNanos) {
        measureEnd = clockNanos;
    }

    public long measureStart() {
        return measureStart;
    }

    public long measureEnd() {
        return measureEnd;
    }

    public boolean inWindow(long clockNanos) {
        return clockNanos >= measureStart && clockNanos < measureEnd;
    }

    /** Counts a sent message. */
    public void onSent(long sentAt, int deliveries, boolean ackable) {
        sent.increment();
        if (sentAt >= measureStart && sentAt < measureEnd) {
            sentMeasured.increment();
        }
        if (deliveries > 0) {
            expectedDeliveries.add(deliveries);
        }
        if (ackable) {
            this.ackable.increment();
        }
    }

    /** Records an end-to-end latency of a first receipt. */
    public void recordLatency(long sentAt, long receivedAt) {
        long v = clamp(receivedAt - sentAt);
        if (sentAt >= measureStart) {
            if (sentAt < measureEnd) {
                latency.recordValue(v);
            }
        } else {
            warmupLatency.recordValue(v);
        }
    }

    /** Records publish-to-acknowledgement latency (PUBACK or PUBCOMP) of a message sent inside the window. */
    public void recordAck(long sentAt, long ackedAt) {
        acked.increment();
        if (sentAt >= measureStart && sentAt < measureEnd) {
            ackLatency.recordValue(clamp(ackedAt - sentAt));
        }
    }

    public void recordConnect(long nanos) {
        connectLatency.recordValue(clamp(nanos));
    }

    private static long clamp(long v) {
        if (v < 1) {
            return 1;
        }
        return Math.min(v, MAX_LATENCY_NANOS);
    }

    /** Latency recorded since the last call (measurement window only). */
    public Histogram latencyInterval(Histogram recycle) {
        return latency.getIntervalHistogram(recycle);
    }

    public Histogram warmupLatencyInterval(Histogram recycle) {
        return warmupLatency.getIntervalHistogram(recycle);
    }

    public Histogram ackLatencyInterval(Histogram recycle) {
        return ackLatency.getIntervalHistogram(recycle);
    }

    public Histogram connectLatencyInterval(Histogram recycle) {
        return connectLatency.getIntervalHistogram(recycle);
    }
}
