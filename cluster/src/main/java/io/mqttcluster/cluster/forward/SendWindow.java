package io.mqttcluster.cluster.forward;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * What one link has to send and what it sent without acknowledgement, with the sequence numbers: the
 * bookkeeping of a {@link PeerLink}, without I/O.
 *
 * <p>{@code inflight} holds DATA frames written on the current connection and not acknowledged yet;
 * {@code unsent} what comes after them: first the frames put back from a lost connection, then new DATA
 * and REQUEST frames in the order queued. DATA sequences run without holes, so the first DATA frame (of
 * {@code inflight}, or of {@code unsent} when nothing is in flight) is always {@code acked + 1}; requests are
 * only ever behind frames written before, never kept once written, and not counted in {@link #bytes}.
 *
 * <p>Not thread-safe: the link's lock guards it.
 */
final class SendWindow {

    /** Bytes of one socket write, and how many of its DATA frames were written before (resent). */
    record Batch(Buffer bytes, int resent) {
    }

    /** Most frames in one socket write. */
    private static final int MAX_BATCH_FRAMES = 1024;

    private final ArrayDeque<byte[]> inflight = new ArrayDeque<>();
    private final ArrayDeque<byte[]> unsent = new ArrayDeque<>();
    private long lastSeq;
    private long acked;
    private long highestWritten;
    private long bytes;
    private int queuedRequests;

    /** The last sequence given out (0 before the first). */
    long lastSeq() {
        return lastSeq;
    }

    /** Everything up to here was acknowledged. */
    long acked() {
        return acked;
    }

    /** Bytes of DATA frames queued or in flight, not acknowledged. */
    long bytes() {
        return bytes;
    }

    int queuedRequests() {
        return queuedRequests;
    }

    boolean hasUnsent() {
        return !unsent.isEmpty();
    }

    boolean hasInflight() {
        return !inflight.isEmpty();
    }

    /** Numbers a DATA frame (from {@link BusFrames#data}) and queues it; its sequence. */
    long add(byte[] dataFrame) {
        long seq = ++lastSeq;
        BusFrames.setSeq(dataFrame, seq);
        unsent.addLast(dataFrame);
        bytes += dataFrame.length;
        return seq;
    }

    void addRequest(byte[] requestFrame) {
        unsent.addLast(requestFrame);
        queuedRequests++;
    }

    /** Takes frames from the front of {@code unsent} up to about {@code maxBytes}; DATA frames go in flight. */
    Batch takeBatch(int maxBytes) {
        // the frames themselves, side by side (no copy here: the socket copies them once, into its own buffer)
        byte[][] frames = new byte[Math.min(unsent.size(), MAX_BATCH_FRAMES)][];
        int count = 0;
        int size = 0;
        int resent = 0;
        while (!unsent.isEmpty() && size < maxBytes && count < frames.length) {
            byte[] f = unsent.pollFirst();
            frames[count++] = f;
            size += f.length;
            if (BusFrames.isData(f)) {
                inflight.addLast(f);
                long seq = BusFrames.seqOf(f);
                if (seq <= highestWritten) {
                    resent++;
                } else {
                    highestWritten = seq;
                }
            } else {
                queuedRequests--;
            }
        }
        if (count < frames.length) {
            frames = Arrays.copyOf(frames, count);
        }
        // one frame: a plain wrapper; several: a composite
        return new Batch(BufferInternal.buffer(Unpooled.wrappedBuffer(count, frames)), resent);
    }

    /** An ACK: drops frames up to {@code last} from {@code inflight}; false if they were not all in flight. */
    boolean ack(long last) {
        return dropUpTo(last, inflight);
    }

    /**
     * A RESUME after {@link #putBack}: drops frames up to {@code last} from the front of {@code unsent}; false
     * if {@code last} is below what was acknowledged or beyond what was ever written.
     */
    boolean resume(long last) {
        return last >= acked && last <= highestWritten && inflight.isEmpty() && dropUpTo(last, unsent);
    }

    /** The connection is lost: frames in flight go back to the front of {@code unsent}; how many. */
    int putBack() {
        int n = inflight.size();
        while (!inflight.isEmpty()) {
            unsent.addFirst(inflight.pollLast());
        }
        return n;
    }

    void clear() {
        inflight.clear();
        unsent.clear();
        bytes = 0;
        queuedRequests = 0;
    }

    private boolean dropUpTo(long last, ArrayDeque<byte[]> from) {
        while (acked < last) {
            byte[] f = from.peekFirst();
            if (f == null || !BusFrames.isData(f) || BusFrames.seqOf(f) != acked + 1) {
                return false;
            }
            from.pollFirst();
            bytes -= f.length;
            acked++;
        }
        return true;
    }
}
