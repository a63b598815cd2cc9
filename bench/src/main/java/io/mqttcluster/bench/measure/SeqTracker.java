package io.mqttcluster.bench.measure;

/**
 * Which sequence numbers of one publisher one receiver has seen, to tell first receipts from duplicates and to
 * count what never arrived. A bitmap that starts at {@code base}, below which everything was seen: in-order streams
 * keep it a few words long; a gap keeps one bit per message after it until the gap is filled or the run ends.
 * Also holds the per-stream counters of duplicates and out-of-order arrivals. Not thread-safe.
 */
public final class SeqTracker {
    /** {@link #mark} results. */
    public static final int FIRST = 0;
    public static final int DUPLICATE = 1;
    /** A sequence number so far ahead (more than 2^31 messages) that it cannot be a real one. */
    public static final int INVALID = 2;

    private static final long MAX_SPAN = 1L << 31;

    private long base;
    private long[] words = new long[4];
    private int head;
    private int used;
    private long distinct;
    private long maxSeen = -1;
    private long duplicates;
    private long outOfOrder;

    public int mark(long seq) {
        if (seq < base) {
            return seq < 0 ? INVALID : DUPLICATE;
        }
        long rel = seq - base;
        if (rel >= MAX_SPAN) {
            return INVALID;
        }
        int w = (int) (rel >>> 6);
        if (head + w >= words.length) {
            makeRoom(w);
        }
        int i = head + w;
        long bit = 1L << (rel & 63);
        if ((words[i] & bit) != 0) {
            return DUPLICATE;
        }
        words[i] |= bit;
        distinct++;
        if (seq > maxSeen) {
            maxSeen = seq;
        }
        if (w >= used) {
            used = w + 1;
        }
        while (used > 0 && words[head] == -1L) {
            words[head] = 0;
            head++;
            used--;
            base += 64;
        }
        return FIRST;
    }

    private void makeRoom(int w) {
        if (head > 0) {
            System.arraycopy(words, head, words, 0, used);
            java.util.Arrays.fill(words, used, words.length, 0L);
            head = 0;
        }
        if (w >= words.length) {
            long[] bigger = new long[Math.max(words.length * 2, w + 1)];
            System.arraycopy(words, 0, bigger, 0, used);
            words = bigger;
        }
    }

    public boolean seen(long seq) {
        if (seq < base) {
            return seq >= 0;
        }
        long rel = seq - base;
        if (rel >= (long) used << 6) {
            return false;
        }
        return (words[head + (int) (rel >>> 6)] & (1L << (rel & 63))) != 0;
    }

    void countDuplicate() {
        duplicates++;
    }

    void countOutOfOrder() {
        outOfOrder++;
    }

    /** Distinct sequence numbers seen. */
    public long distinct() {
        return distinct;
    }

    public long maxSeen() {
        return maxSeen;
    }

    /** Sequence numbers below the highest seen that never arrived. */
    public long gaps() {
        return maxSeen + 1 - distinct;
    }

    /** Of {@code 0 .. expected-1}, how many never arrived. */
    public long lost(long expected) {
        if (expected <= 0) {
            return 0;
        }
        if (maxSeen < expected) {
            return expected - distinct;
        }
        // Count only seen numbers below expected (numbers at or above expected are not expected at all).
        long seenBelow = 0;
        for (long s = 0; s < expected; s++) {
            if (seen(s)) {
                seenBelow++;
            }
        }
        return expected - seenBelow;
    }

    public long duplicates() {
        return duplicates;
    }

    public long outOfOrder() {
        return outOfOrder;
    }
}
