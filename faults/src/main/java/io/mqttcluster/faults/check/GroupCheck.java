package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A shared group as one receiver: each matching acknowledged message is owed once, to any member; a loss is
 * excused when a clean member went with its node or its connection ({@link LossExcuses}); a QoS 2 message handed
 * to several members is counted.
 */
final class GroupCheck {
    private final CheckContext run;

    GroupCheck(CheckContext run) {
        this.run = run;
    }

    /** Returns {owed, lost, lostWithCleanMemberOnKilledNode, delivered} for a shared group. */
    long[] check(String group, List<RunIndex.ClientInfo> members, long[] several) {
        long owed = 0;
        long lost = 0;
        long lostKilled = 0;
        long delivered = 0;
        for (Map.Entry<String, TreeMap<Long, RunIndex.Message>> perPub : run.idx().messages.entrySet()) {
            String topic = "h/" + perPub.getKey() + "/t";
            long since = -1;
            boolean anyMatch = false;
            for (RunIndex.ClientInfo c : members) {
                List<RunIndex.Filter> matching = Owed.matching(c, topic);
                anyMatch |= !matching.isEmpty();
                if (!c.clean && !matching.isEmpty()) {
                    long s = Owed.firstSuback(c, matching);
                    if (s >= 0 && (since < 0 || s < since)) {
                        since = s;
                    }
                }
            }
            if (!anyMatch) {
                continue;
            }
            for (RunIndex.Message m : perPub.getValue().values()) {
                int receivers = 0;
                boolean qos2Copies = false;
                for (RunIndex.ClientInfo c : members) {
                    List<Event.Received> r = run.fresh().of(c.id).get(m.key());
                    if (r != null) {
                        receivers++;
                        qos2Copies |= r.get(0).qos() == 2;
                    }
                }
                if (receivers > 1) {
                    several[0]++;
                    if (qos2Copies && m.qos == 2) {
                        several[1]++;
                        run.findings().example("shared-qos2-to-several-members", m, "$share/" + group, run.details().deliveredTo(members, m));
                    }
                }
                if (!m.acked() || m.firstSent < 0) {
                    continue;
                }
                boolean isOwed = since >= 0 && m.firstSent >= since;
                for (int i = 0; i < members.size() && !isOwed; i++) {
                    RunIndex.ClientInfo c = members.get(i);
                    isOwed = c.clean && Owed.cleanConnectionOwing(c, Owed.matching(c, topic), m) != null;
                }
                if (!isOwed) {
                    continue;
                }
                owed++;
                if (receivers > 0) {
                    delivered++;
                    long first = Long.MAX_VALUE;
                    for (RunIndex.ClientInfo c : members) {
                        List<Event.Received> r = run.fresh().of(c.id).get(m.key());
                        if (r != null) {
                            first = Math.min(first, r.get(0).t());
                        }
                    }
                    if (Owed.stuckUntilFinalReconnect(run.idx(), m, first)) {
                        run.findings().finding(Checker.STUCK);
                        run.findings().example(Checker.STUCK, m, "$share/" + group, "first delivered " + run.times().ms(first)
                                + ", after the end phase made the members reconnect; " + run.details().groupDetail(members, m));
                    }
                    continue;
                }
                lost++;
                String killed = run.excuses().cleanMemberOnKilledNode(members, m);
                String left = killed == null ? run.excuses().cleanMemberLeftWithIt(members, m) : null;
                String ended = killed == null && left == null ? run.excuses().cleanMemberConnectionEnded(members, m) : null;
                if (killed != null) {
                    lostKilled++;
                    run.findings().example("shared-lost-clean-member-killed", m, "$share/" + group, killed + "; " + run.details().groupDetail(members, m));
                } else if (left != null) {
                    lostKilled++;
                    run.findings().example("shared-qos2-left-with-clean-member", m, "$share/" + group, left + "; " + run.details().groupDetail(members, m));
                } else if (ended != null) {
                    lostKilled++;
                    run.findings().example(Checker.SHARED_QOS2_CONNECTION_ENDED, m, "$share/" + group, ended + "; " + run.details().groupDetail(members, m));
                } else {
                    run.findings().countUnreleased(m);
                    run.findings().example("acknowledged-lost", m, "$share/" + group, run.details().groupDetail(members, m));
                }
            }
        }
        return new long[]{owed, lost, lostKilled, delivered};
    }
}
