package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Why a clean session's loss is not the broker's fault: its node was killed, stopped or cut off around the
 * message, or (in a shared group) the QoS 2 copy went with a clean member's connection that ended. Each method
 * returns the reason in words, or null when it does not apply. Reads the run's index only.
 */
final class LossExcuses {
    private static final Set<String> CUT_OFF_KINDS = Set.of("kill", "stop", "partition", "partition-partial");

    private final RunIndex idx;
    private final Times times;

    LossExcuses(RunIndex idx, Times times) {
        this.idx = idx;
        this.times = times;
    }

    /**
     * Why a clean subscriber's connection does not owe m after all: its node was killed, stopped or cut off by a
     * partition between m's first send and the connection's end, and the broker ended the connection within 15 s
     * of m's acknowledgement. Null when that is not so.
     */
    String nodeCutOff(RunIndex.Conn via, RunIndex.Message m) {
        if (via.lostT < 0 || via.lostT > m.ackT + 15_000_000L) {
            return null;
        }
        for (RunIndex.Fault f : idx.faults) {
            if (!CUT_OFF_KINDS.contains(f.kind()) || f.begin() > via.lostT || (f.end() > 0 && f.end() < m.firstSent)) {
                continue;
            }
            if (Arrays.asList(f.target().split("\\|")).contains(via.node)) {
                return "its node " + via.node + " was in fault #" + f.id() + " " + f.kind() + " " + f.target()
                        + " and the connection ended " + times.ms(via.lostT);
            }
        }
        String observer = outOfTheCluster(via.node, m.firstSent, m.ackT);
        if (observer != null && via.lostT >= 0) {
            return "its node " + via.node + " was out of the cluster for " + observer + " when m was routed, and the"
                    + " connection ended " + times.ms(via.lostT);
        }
        return null;
    }

    /**
     * Another node that counted {@code node} as gone at some time in [{@code from}, {@code to}] (its log's
     * member_left before that time with no member_joined after it), or null. A node removed by the others (after a
     * partial partition, Hazelcast's master removes one side) serves its clients until it notices.
     */
    String outOfTheCluster(String node, long from, long to) {
        Map<String, Long> leftAt = new HashMap<>();
        List<Event.Note> changes = new ArrayList<>();
        for (Event.Note n : idx.notes) {
            if (n.subject().equals(node) && (n.what().equals(NodeLogs.LEFT) || n.what().equals(NodeLogs.JOINED))) {
                changes.add(n);
            }
        }
        changes.sort(Comparator.comparingLong(Event.Note::t));
        for (Event.Note n : changes) {
            if (n.t() > to) {
                break;
            }
            if (n.what().equals(NodeLogs.LEFT)) {
                leftAt.put(n.detail(), n.t());
            } else {
                Long left = leftAt.remove(n.detail());
                if (left != null && n.t() >= from) {
                    return n.detail().replace("seen_by=", "");
                }
            }
        }
        return leftAt.isEmpty() ? null : leftAt.keySet().iterator().next().replace("seen_by=", "");
    }

    /**
     * A QoS 2 message the broker sent to a clean member's connection after the member had left it (a takeover:
     * the client ignores what arrives on the connection it gave up). Its session ended with that connection; the
     * broker cannot know whether the client has the message and must not give it to another member
     * [MQTT-4.8.2-5]. Null when that is not so.
     */
    String cleanMemberLeftWithIt(List<RunIndex.ClientInfo> members, RunIndex.Message m) {
        if (m.qos != 2) {
            return null;
        }
        for (Event.Note n : idx.notes) {
            if (n.what().equals("ignored_on_old_connection") && n.detail().endsWith(",msg=" + m.key())) {
                for (RunIndex.ClientInfo c : members) {
                    if (c.clean && c.id.equals(n.subject())) {
                        return "sent to clean member " + c.id + " on the connection it had left at " + times.ms(n.t())
                                + " (" + n.detail() + ")";
                    }
                }
            }
        }
        return null;
    }

    /**
     * A QoS 2 message whose copy may have been written to a clean member's connection as it ended (dropped, reset,
     * closed: from m's first send to a second after its acknowledgement). A copy written to the connection stays
     * with that client, whose session ended with it [MQTT-4.8.2-5]; one never written goes to another member. The
     * broker cannot know whether the client read it, and neither can the checker. Null when that is not so.
     */
    String cleanMemberConnectionEnded(List<RunIndex.ClientInfo> members, RunIndex.Message m) {
        if (m.qos != 2) {
            return null;
        }
        for (RunIndex.ClientInfo c : members) {
            if (!c.clean) {
                continue;
            }
            for (RunIndex.Conn k : c.conns.values()) {
                if (k.lostT >= m.firstSent && k.lostT <= m.ackT + 1_000_000L && k.connackT >= 0 && k.connackT <= m.ackT) {
                    return "clean member " + c.id + "'s connection " + k.id + " on " + k.node + " ended (" + k.lostReason
                            + ") " + times.ms(k.lostT) + ", while m was on its way to it";
                }
            }
        }
        return null;
    }

    /**
     * A clean member connected to a node killed, stopped or cut off by a partition around m (the fault began
     * before 10 s after m's acknowledgement and had not ended before m's first send).
     */
    String cleanMemberOnKilledNode(List<RunIndex.ClientInfo> members, RunIndex.Message m) {
        for (RunIndex.Fault f : idx.faults) {
            if (!CUT_OFF_KINDS.contains(f.kind()) || f.begin() > m.ackT + 10_000_000L || (f.end() > 0 && f.end() < m.firstSent)) {
                continue;
            }
            for (RunIndex.ClientInfo c : members) {
                // connected to the faulted node when the message was sent, or when the fault began (a node that
                // died is still a member for a moment, and so are the members connected to it)
                RunIndex.Conn k = idx.connAt(c.id, Math.max(f.begin(), m.firstSent));
                if (k == null || !Arrays.asList(f.target().split("\\|")).contains(k.node)) {
                    k = idx.connAt(c.id, f.begin());
                }
                if (c.clean && k != null && Arrays.asList(f.target().split("\\|")).contains(k.node)) {
                    return "clean member " + c.id + " was on " + k.node + ", in fault #" + f.id() + " " + f.kind() + " "
                            + f.target() + " from " + times.ms(f.begin());
                }
            }
        }
        for (RunIndex.ClientInfo c : members) {
            RunIndex.Conn k = c.clean ? idx.connAt(c.id, m.firstSent) : null;
            String observer = k == null ? null : outOfTheCluster(k.node, m.firstSent, m.ackT);
            if (observer != null) {
                return "clean member " + c.id + " was on " + k.node + ", out of the cluster for " + observer
                        + " when m was routed";
            }
        }
        return null;
    }
}
