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
    private final CheckContext run;

    LossCheck(CheckContext run) {
        this.run = run;
    }

    /** Returns {owed, lost} for a subscriber outside a group. */
    long[] check(RunIndex.ClientInfo sub) {
        long owed = 0;
        long lost = 0;
        Map<String, List<Event.Received>> got = run.fresh().of(sub.id);
        for (Map.Entry<String, TreeMap<Long, RunIndex.Message>> perPub : run.idx().messages.entrySet()) {
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
                if (copies == null && via != null && run.excuses().nodeCutOff(via, m) != null) {
                    // the subscriber's node was cut off from the cluster around the message, and the broker closed
                    // the connection soon after: a clean session has nothing that outlives that (reported apart)
                    run.findings().info(Checker.CLEAN_CUT_OFF);
                    run.findings().example(Checker.CLEAN_CUT_OFF, m, sub.id, run.excuses().nodeCutOff(via, m) + "; " + run.details().lossDetail(sub, m, via));
                    continue;
                }
                if (copies == null) {
                    lost++;
                    run.findings().countUnreleased(m);
                    run.findings().example("acknowledged-lost", m, sub.id, run.details().lossDetail(sub, m, via));
                } else if (Owed.stuckUntilFinalReconnect(run.idx(), m, copies.get(0).t())) {
                    run.findings().finding(Checker.STUCK);
                    run.findings().example(Checker.STUCK, m, sub.id, "first delivered " + run.times().ms(copies.get(0).t()) + " on "
                            + run.details().connName(sub.id, copies.get(0).conn()) + ", after the end phase made the subscriber reconnect; "
                            + run.details().lossDetail(sub, m, via));
                }
            }
        }
        return new long[]{owed, lost};
    }
}
