package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Order within one subscriber's sessions: the first deliveries of one publisher's messages must come in its
 * sequence order; a violation on one publisher connection is counted apart from one across a publisher reconnect.
 */
final class OrderCheck {
    private final RunIndex idx;
    private final Times times;
    private final Findings findings;
    private final Details details;

    OrderCheck(RunIndex idx, Times times, Findings findings, Details details) {
        this.idx = idx;
        this.times = times;
        this.findings = findings;
        this.details = details;
    }

    /** Returns {violations on one publisher connection, violations across a publisher reconnect}. */
    long[] check(RunIndex.ClientInfo sub) {
        long strict = 0;
        long across = 0;
        Map<String, Map<String, Long>> maxSeq = new HashMap<>();
        Map<String, Map<String, Event.Received>> maxAt = new HashMap<>();
        Map<String, Set<String>> seen = new HashMap<>();
        for (Event.Received r : idx.receipts.getOrDefault(sub.id, List.of())) {
            if (!r.fresh()) {
                continue;
            }
            String s = FreshReceipts.session(sub, r);
            if (!seen.computeIfAbsent(s, k -> new HashSet<>()).add(r.pub() + "#" + r.seq())) {
                continue; // a repeat within the session: counted as a duplicate, not for order
            }
            if (r.dup()) {
                findings.info("first_delivery_with_dup_flag"); // [MQTT-3.3.1-1]: DUP=1 means a resend
            }
            Map<String, Long> max = maxSeq.computeIfAbsent(s, k -> new HashMap<>());
            Long before = max.get(r.pub());
            if (before != null && r.seq() < before) {
                RunIndex.Message late = idx.message(r.pub(), r.seq());
                RunIndex.Message ahead = idx.message(r.pub(), before);
                Event.Received aheadAt = maxAt.get(s).get(r.pub());
                boolean sameConn = late.firstConn == ahead.firstConn && late.firstConn >= 0;
                String detail = "session " + s + ": " + late.key() + " arrived at " + times.ms(r.t()) + " on "
                        + details.connName(sub.id, r.conn()) + " after " + ahead.key() + " (arrived " + times.ms(aheadAt.t())
                        + "); publisher first sent them on " + details.connName(late.pub, late.firstConn) + " and "
                        + details.connName(ahead.pub, ahead.firstConn) + ", " + late.key() + " sent " + late.sends + "x"
                        + details.faultsText(Math.min(late.firstSent, ahead.firstSent), r.t());
                if (sameConn) {
                    strict++;
                    findings.example("order", late, sub.id, detail);
                } else {
                    across++;
                    findings.example("order-across-publisher-reconnect", late, sub.id, detail);
                }
            } else {
                max.put(r.pub(), r.seq());
                maxAt.computeIfAbsent(s, k -> new HashMap<>()).put(r.pub(), r);
            }
        }
        return new long[]{strict, across};
    }
}
