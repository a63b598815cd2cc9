package io.mqttcluster.faults.check;

import java.util.ArrayList;
import java.util.List;

/**
 * The rules of who is owed a message: which of a subscriber's filters match its topic, since when a persistent
 * subscriber is owed (its first SUBACK), which connection of a clean subscriber owed it, and when a delivery came
 * only after the end phase's reconnect. Pure functions of the run's index.
 */
final class Owed {
    private Owed() {
    }

    /**
     * Acknowledged well before the end phase made the persistent subscribers reconnect, and first delivered only
     * after it: the broker held it (stored, not lost) but did not send it to a connected session.
     */
    static boolean stuckUntilFinalReconnect(RunIndex idx, RunIndex.Message m, long firstDelivery) {
        return idx.finalReconnect > 0 && firstDelivery > idx.finalReconnect && m.ackT < idx.finalReconnect - 10_000_000L;
    }

    static List<RunIndex.Filter> matching(RunIndex.ClientInfo sub, String topic) {
        List<RunIndex.Filter> out = new ArrayList<>();
        for (RunIndex.Filter f : sub.filters) {
            if (TopicMatch.matches(f.filter(), topic)) {
                out.add(f);
            }
        }
        return out;
    }

    /** The first time any matching filter of a persistent subscriber was granted (SUBACK), or -1. */
    static long firstSuback(RunIndex.ClientInfo sub, List<RunIndex.Filter> matching) {
        long first = -1;
        for (RunIndex.Conn k : sub.conns.values()) {
            for (RunIndex.Filter f : matching) {
                Long t = k.subackT.get(f.filter());
                Integer code = k.granted.get(f.filter());
                if (t != null && code != null && code < 0x80 && (first < 0 || t < first)) {
                    first = t;
                }
            }
        }
        return first;
    }

    /**
     * A connection of a clean subscriber that owed message m: its SUBACK for a matching filter came before m was
     * first sent, and a PINGRESP answered a PINGREQ sent after m's acknowledgement; null when there is none.
     */
    static RunIndex.Conn cleanConnectionOwing(RunIndex.ClientInfo sub, List<RunIndex.Filter> matching,
                                                      RunIndex.Message m) {
        for (RunIndex.Conn k : sub.conns.values()) {
            if (k.connackT < 0 || k.connackT > m.firstSent || !k.provenAliveAfter(m.ackT)) {
                continue;
            }
            for (RunIndex.Filter f : matching) {
                Long t = k.subackT.get(f.filter());
                Integer code = k.granted.get(f.filter());
                if (t != null && t <= m.firstSent && code != null && code < 0x80) {
                    return k;
                }
            }
        }
        return null;
    }
}
