package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The losses of one subscriber outside a shared group: every acknowledged message it was owed (see {@link Owed})
 * and did not get first-hand, unless its clean session was cut off with its node ({@link LossExcuses}), and every
 * one it got only after the end phase made it reconnect.
 */
final class LossCheck {
    private final RunIndex idx;
    private final Times times;
    private final FreshReceipts fresh;
    private final Findings findings;
    private final Details details;
    private final LossExcuses excuses;

    LossCheck(RunIndex idx, Times times, FreshReceipts fresh, Findings findings, Details details, LossExcuses excuses) {
        this.idx = idx;
        this.times = times;
        this.fresh = fresh;
        this.findings = findings;
        this.details = details;
        this.excuses = excuses;
    }

    /** Returns {owed, lost} for a subscriber outside a group. */
    long[] check(RunIndex.ClientInfo sub) {
        long owed = 0;
        long lost = 0;
        Map<String, List<Event.Received>> got = fresh.of(sub.id);
        for (Map.Entry<String, TreeMap<Long, RunIndex.Message>> perPub : idx.messages.entrySet()) {
            String topic = "h/" + perPub.getKey() + "/t";
            List<RunIndex.Filter> matching = Owed.matching(sub, topic);
            if (matching.isEmpty()) {
                continue;
            }
            long since = sub.clean ? -1 : Owed.firstSuback(sub, matching);
            for (RunIndex.Message m : perPub.getValue().values()) {
                if (!m.acked() || m.firstSent < 0) {
                    continue;
                }
                RunIndex.Conn via = null;
                if (sub.clean) {
                    via = Owed.cleanConnectionOwing(sub, matching, m);
                    if (via == null) {
                        continue;
                    }
                } else if (since < 0 || m.firstSent < since) {
                    continue;
                }
                owed++;
                List<Event.Received> copies = got.get(m.key());
                if (copies == null && via != null && excuses.nodeCutOff(via, m) != null) {
                    // the subscriber's node was cut off from the cluster around the message, and the broker closed
                    // the connection soon after: a clean session has nothing that outlives that (reported apart)
                    findings.info(Checker.CLEAN_CUT_OFF);
                    findings.example(Checker.CLEAN_CUT_OFF, m, sub.id, excuses.nodeCutOff(via, m) + "; " + details.lossDetail(sub, m, via));
                    continue;
                }
                if (copies == null) {
                    lost++;
                    findings.countUnreleased(m);
                    findings.example("acknowledged-lost", m, sub.id, details.lossDetail(sub, m, via));
                } else if (Owed.stuckUntilFinalReconnect(idx, m, copies.get(0).t())) {
                    findings.finding(Checker.STUCK);
                    findings.example(Checker.STUCK, m, sub.id, "first delivered " + times.ms(copies.get(0).t()) + " on "
                            + details.connName(sub.id, copies.get(0).conn()) + ", after the end phase made the subscriber reconnect; "
                            + details.lossDetail(sub, m, via));
                }
            }
        }
        return new long[]{owed, lost};
    }
}
