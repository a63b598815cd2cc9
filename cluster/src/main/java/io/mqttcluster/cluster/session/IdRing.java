package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.message.Message;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The last message ids (high, low pairs) a queue took in, at most {@code window} of them, oldest overwritten
 * first; grown on demand, so a session that takes few keeps a few. Part of a {@link SessionQueue}, so
 * single-threaded.
 */
final class IdRing {

    private long[] ids;
    private int next;
    private int count;

    boolean contains(Message m) {
        return containsRecent(m, count);
    }

    /** Whether one of the {@code newest} ids taken in last is this message's: cheap enough for every append. */
    boolean containsRecent(Message m, int newest) {
        if (ids == null) {
            return false;
        }
        int slots = ids.length / 2;
        for (int i = 1; i <= Math.min(newest, count); i++) {
            int s = (next - i + slots) % slots;
            if (ids[2 * s] == m.idHigh() && ids[2 * s + 1] == m.idLow()) {
                return true;
            }
        }
        return false;
    }

    void add(Message m, int window) {
        if (window <= 0) {
            return;
        }
        if (ids == null || (count == ids.length / 2 && ids.length / 2 < window)) {
            int capacity = Math.min(window, ids == null ? 8 : ids.length);
            long[] grown = new long[2 * capacity];
            // unroll the ring, oldest first, so the next write goes after the newest
            for (int i = 0; i < count; i++) {
                int from = slot(i);
                grown[2 * i] = ids[2 * from];
                grown[2 * i + 1] = ids[2 * from + 1];
            }
            next = count;
            ids = grown;
        }
        int slots = ids.length / 2;
        ids[2 * next] = m.idHigh();
        ids[2 * next + 1] = m.idLow();
        next = (next + 1) % slots;
        count = Math.min(count + 1, slots);
    }

    /** The ring slot of the i-th oldest id. */
    private int slot(int i) {
        int slots = ids.length / 2;
        return (next - count + i + slots) % slots;
    }

    /** The count, then the pairs oldest first. */
    void writeTo(DataOutput out) throws IOException {
        out.writeInt(count);
        for (int i = 0; i < count; i++) {
            int s = slot(i);
            out.writeLong(ids[2 * s]);
            out.writeLong(ids[2 * s + 1]);
        }
    }

    /** What {@link #writeTo} wrote; null when it held nothing. */
    static IdRing readFrom(DataInput in) throws IOException {
        int n = in.readInt();
        if (n <= 0) {
            return null;
        }
        IdRing r = new IdRing();
        r.ids = new long[2 * n];
        for (int i = 0; i < n; i++) {
            r.ids[2 * i] = in.readLong();
            r.ids[2 * i + 1] = in.readLong();
        }
        r.count = n;
        r.next = 0; // full ring of exactly n slots: the next write replaces the oldest
        return r;
    }
}
