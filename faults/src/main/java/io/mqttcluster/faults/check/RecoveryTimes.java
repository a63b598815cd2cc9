package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recovery time of each fault: from the moment the fault's effect is over (a kill, reset, takeover or dropped
 * connection at once; a stop or partition when it ends) until every publisher had an acknowledgement, and every
 * subscriber (a shared group counts as one) a delivery, of a message first sent after that moment; looked for
 * until the next fault begins. Messages sent before the fault do not count: their late acknowledgements would
 * hide a stall.
 */
final class RecoveryTimes {

    private final RunIndex idx;
    /**
     * client (or "$share/group") -> {first-send time, progress time} pairs sorted by first-send time: an
     * acknowledgement, or a fresh delivery, of a message first sent then.
     */
    private final Map<String, long[][]> progress = new LinkedHashMap<>();

    RecoveryTimes(RunIndex idx, Map<String, Map<String, List<Event.Received>>> fresh) {
        this.idx = idx;
        Map<String, List<long[]>> lists = new LinkedHashMap<>();
        for (RunIndex.ClientInfo c : idx.clients.values()) {
            if (c.publisher) {
                List<long[]> acks = new ArrayList<>();
                for (RunIndex.Message m : idx.messages.getOrDefault(c.id, new java.util.TreeMap<>()).values()) {
                    if (m.acked() && m.firstSent >= 0) {
                        acks.add(new long[]{m.firstSent, m.ackT});
                    }
                }
                lists.put(c.id, acks);
            } else {
                String name = c.inGroup() ? "$share/" + c.group : c.id;
                List<long[]> l = lists.computeIfAbsent(name, k -> new ArrayList<>());
                for (List<Event.Received> rs : fresh.getOrDefault(c.id, Map.of()).values()) {
                    RunIndex.Message m = idx.message(rs.get(0).pub(), rs.get(0).seq());
                    if (m.firstSent >= 0) {
                        l.add(new long[]{m.firstSent, rs.get(0).t()});
                    }
                }
            }
        }
        for (Map.Entry<String, List<long[]>> e : lists.entrySet()) {
            long[][] a = e.getValue().toArray(new long[0][]);
            Arrays.sort(a, (x, y) -> Long.compare(x[0], y[0]));
            progress.put(e.getKey(), a);
        }
    }

    /** The earliest progress of a message first sent at or after {@code from}, or -1. */
    private static long firstProgressAfter(long[][] a, long from) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid][0] < from) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        long best = -1;
        for (int i = lo; i < a.length; i++) {
            if (best < 0 || a[i][1] < best) {
                best = a[i][1];
            }
            if (best >= 0 && a[i][0] > best) {
                break; // later messages were first sent after this progress: none can be earlier
            }
        }
        return best;
    }

    List<Verdict.Recovery> compute() {
        List<Verdict.Recovery> out = new ArrayList<>();
        List<RunIndex.Fault> faults = idx.faults;
        for (int i = 0; i < faults.size(); i++) {
            RunIndex.Fault f = faults.get(i);
            long from = f.recoveryFrom();
            long until = i + 1 < faults.size() ? faults.get(i + 1).begin() : (idx.drainStart > 0 ? idx.drainStart : idx.end);
            until = Math.max(until, from);
            long worst = 0;
            String slowest = "";
            List<String> waiting = new ArrayList<>();
            for (Map.Entry<String, long[][]> e : progress.entrySet()) {
                if (e.getValue().length == 0) {
                    continue; // a client that never made progress is reported elsewhere, not per fault
                }
                long p = firstProgressAfter(e.getValue(), from);
                if (p < 0 || p > until) {
                    waiting.add(e.getKey());
                } else if (p - from > worst) {
                    worst = p - from;
                    slowest = e.getKey();
                }
            }
            out.add(new Verdict.Recovery(f.id(), f.kind(), f.target(), from,
                    waiting.isEmpty() ? worst / 1000 : -1, slowest, String.join(" ", waiting)));
        }
        return out;
    }
}
