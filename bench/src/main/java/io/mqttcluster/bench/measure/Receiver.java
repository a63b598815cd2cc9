package io.mqttcluster.bench.measure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One logical receiver of message streams: a single subscriber, or a whole shared-subscription group (where each
 * message is expected exactly once across the members). Holds one {@link SeqTracker} per publisher stream.
 *
 * <p>Thread use: a receiver of one subscriber is touched only on that subscriber's loop; a group receiver may be
 * touched by members on several loops, so its methods synchronize when {@code shared} is set.
 */
public final class Receiver {
    private final String name;
    private final boolean shared;
    private final boolean[] expected;
    private SeqTracker[] trackers;
    private long unexpected;

    /**
     * @param expectedPublishers the publisher indexes this receiver should get every message of, or null to accept
     *                           any publisher (a standalone {@code sub}, which has no expectations)
     */
    public Receiver(String name, boolean shared, int[] expectedPublishers) {
        this.name = name;
        this.shared = shared;
        if (expectedPublishers == null) {
            this.expected = null;
            this.trackers = new SeqTracker[16];
        } else {
            int max = Arrays.stream(expectedPublishers).max().orElse(-1);
            this.expected = new boolean[max + 1];
            this.trackers = new SeqTracker[max + 1];
            for (int p : expectedPublishers) {
                expected[p] = true;
                trackers[p] = new SeqTracker();
            }
        }
    }

    public String name() {
        return name;
    }

    public boolean shared() {
        return shared;
    }

    /** True when this receiver has a fixed set of publishers it expects. */
    public boolean hasExpectations() {
        return expected != null;
    }

    /** Whether messages of {@code publisher} are expected here. */
    public boolean expects(int publisher) {
        return expected == null || (publisher >= 0 && publisher < expected.length && expected[publisher]);
    }

    /**
     * Records an arrival: {@link SeqTracker#FIRST}, {@link SeqTracker#DUPLICATE} (counted on the stream), or
     * {@link SeqTracker#INVALID} for a publisher this receiver does not expect or a nonsense sequence number.
     */
    public int mark(int publisher, long seq) {
        if (shared) {
            synchronized (this) {
                return markUnsafe(publisher, seq);
            }
        }
        return markUnsafe(publisher, seq);
    }

    private int markUnsafe(int publisher, long seq) {
        SeqTracker t = tracker(publisher);
        if (t == null) {
            unexpected++;
            return SeqTracker.INVALID;
        }
        int r = t.mark(seq);
        if (r == SeqTracker.DUPLICATE) {
            t.countDuplicate();
        }
        return r;
    }

    /** Counts an out-of-order first arrival on a stream (the member that saw it decides). */
    public void outOfOrder(int publisher) {
        if (shared) {
            synchronized (this) {
                tracker(publisher).countOutOfOrder();
            }
        } else {
            tracker(publisher).countOutOfOrder();
        }
    }

    private SeqTracker tracker(int publisher) {
        if (publisher < 0) {
            return null;
        }
        if (expected != null) {
            return publisher < expected.length ? trackers[publisher] : null;
        }
        if (publisher >= trackers.length) {
            if (publisher > 10_000_000) {
                return null;
            }
            trackers = Arrays.copyOf(trackers, Math.max(trackers.length * 2, publisher + 1));
        }
        SeqTracker t = trackers[publisher];
        if (t == null) {
            t = new SeqTracker();
            trackers[publisher] = t;
        }
        return t;
    }

    /** Arrivals from publishers this receiver does not expect. */
    public synchronized long unexpected() {
        return unexpected;
    }

    /** One stream's final numbers. */
    public static final class StreamResult {
        public final String receiver;
        public final int publisher;
        public final long expected;
        public final long received;
        public final long lost;
        /** Of the lost, those the broker never acknowledged to their publisher (still in flight at the end). */
        public final long lostUnacked;
        public final long duplicates;
        public final long outOfOrder;

        StreamResult(String receiver, int publisher, long expected, long received, long lost, long lostUnacked,
                     long duplicates, long outOfOrder) {
            this.receiver = receiver;
            this.publisher = publisher;
            this.expected = expected;
            this.received = received;
            this.lost = lost;
            this.lostUnacked = lostUnacked;
            this.duplicates = duplicates;
            this.outOfOrder = outOfOrder;
        }
    }

    /** {@link #results(long[], long[][])} without acknowledgement information. */
    public List<StreamResult> results(long[] sentByPublisher) {
        return results(sentByPublisher, null);
    }

    /**
     * The per-stream results. {@code sentByPublisher[p]} is how many messages publisher p sent (null when unknown,
     * then lost means gaps below the highest sequence number seen); {@code unackedByPublisher[p]} lists the sequence
     * numbers publisher p still had unacknowledged (may be null). Call after the run has quiesced.
     */
    public synchronized List<StreamResult> results(long[] sentByPublisher, long[][] unackedByPublisher) {
        List<StreamResult> out = new ArrayList<>();
        for (int p = 0; p < trackers.length; p++) {
            SeqTracker t = trackers[p];
            if (t == null) {
                continue;
            }
            long expectedCount;
            long lost;
            if (sentByPublisher != null && expected != null) {
                expectedCount = p < sentByPublisher.length ? sentByPublisher[p] : 0;
                lost = t.lost(expectedCount);
            } else {
                expectedCount = t.maxSeen() + 1;
                lost = t.gaps();
            }
            long lostUnacked = 0;
            if (lost > 0 && unackedByPublisher != null && p < unackedByPublisher.length && unackedByPublisher[p] != null) {
                for (long seq : unackedByPublisher[p]) {
                    if (seq < expectedCount && !t.seen(seq)) {
                        lostUnacked++;
                    }
                }
            }
            out.add(new StreamResult(name, p, expectedCount, t.distinct(), lost, lostUnacked, t.duplicates(), t.outOfOrder()));
        }
        return out;
    }
}
