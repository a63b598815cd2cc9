package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Duplicates within one subscriber's sessions: a QoS 2 message handed to the application twice in a session breaks
 * exactly-once (counted apart from QoS 1 repeats, which are allowed), and so does a QoS 2 packet id reused before
 * its PUBREL.
 */
final class DuplicateCheck {
    private final RunIndex idx;
    private final Times times;
    private final FreshReceipts fresh;
    private final Findings findings;
    private final Details details;

    DuplicateCheck(RunIndex idx, Times times, FreshReceipts fresh, Findings findings, Details details) {
        this.idx = idx;
        this.times = times;
        this.fresh = fresh;
        this.findings = findings;
        this.details = details;
    }

    /** Returns {qos2 duplicates, qos1 duplicates} within sessions of one subscriber. */
    long[] check(RunIndex.ClientInfo sub) {
        long q2 = 0;
        long q1 = 0;
        for (Map.Entry<String, List<Event.Received>> e : fresh.of(sub.id).entrySet()) {
            Map<String, List<Event.Received>> bySession = new LinkedHashMap<>();
            for (Event.Received r : e.getValue()) {
                bySession.computeIfAbsent(FreshReceipts.session(sub, r), s -> new ArrayList<>()).add(r);
            }
            for (List<Event.Received> copies : bySession.values()) {
                if (copies.size() < 2) {
                    continue;
                }
                long q2copies = copies.stream().filter(r -> r.qos() == 2).count();
                if (q2copies > 1) {
                    q2 += q2copies - 1;
                    RunIndex.Message m = idx.message(copies.get(0).pub(), copies.get(0).seq());
                    findings.example("qos2-duplicate", m, sub.id, details.duplicateDetail(sub, m, copies));
                }
                q1 += copies.size() - Math.max(1, q2copies);
            }
        }
        for (Event.Received r : idx.receipts.getOrDefault(sub.id, List.of())) {
            if (r.collision()) {
                findings.finding("qos2-packet-id-reused-before-pubrel");
                RunIndex.Message m = idx.message(r.pub(), r.seq());
                findings.example("qos2-packet-id-reused-before-pubrel", m, sub.id, "PUBLISH pid=" + r.pid() + " at "
                        + times.ms(r.t()) + " on " + details.connName(sub.id, r.conn()) + " while that id awaited PUBREL for another message");
            }
        }
        return new long[]{q2, q1};
    }
}
