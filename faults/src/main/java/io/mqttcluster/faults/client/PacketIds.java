package io.mqttcluster.faults.client;

import java.util.BitSet;

/**
 * Packet ids of a publisher's in-flight messages, taken from a small ring ({@code 1..space}) and handed out
 * again once their flow completes, as real clients reuse them; a small ring makes the broker see each id many
 * times in a run. Owned by the client's driver thread.
 */
public final class PacketIds {

    private final int space;
    private final BitSet used = new BitSet();
    private int last;

    public PacketIds(int space) {
        if (space < 1 || space > 65535) {
            throw new IllegalArgumentException("packet id space " + space);
        }
        this.space = space;
    }

    /** The next free id after the last one handed out, or -1 when all are in use. */
    public int take() {
        for (int i = 0; i < space; i++) {
            int id = (last + i) % space + 1;
            if (!used.get(id)) {
                used.set(id);
                last = id;
                return id;
            }
        }
        return -1;
    }

    public void release(int id) {
        used.clear(id);
    }

    public int inUse() {
        return used.cardinality();
    }

    public void clear() {
        used.clear();
    }
}
