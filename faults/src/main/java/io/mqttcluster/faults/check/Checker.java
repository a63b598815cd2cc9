package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Judges a run's history, as a pure function of its events. For every acknowledged message it decides which
 * subscribers were owed it and whether it arrived:
 * <ul>
 *   <li>a persistent subscriber is owed every matching message first sent after its subscription's SUBACK;</li>
 *   <li>a clean subscriber only one first sent after the SUBACK of a connection that the broker provably still
 *       served after the acknowledgement (a PINGRESP to a PINGREQ sent after it); a broker-side close the client
 *       had not noticed yet cannot make a false loss;</li>
 *   <li>a shared group is owed each matching message once, by any member.</li>
 * </ul>
 * Within a subscriber session (the persistent session, or the connection of a clean one) a QoS 2 message handed to
 * the application twice is a duplicate; first deliveries from one publisher must come in sequence order.
 */
public final class Checker {

    /** A finding: acknowledged, and delivered to a connected persistent subscriber only after it reconnected. */
    static final String STUCK = "delivered-only-after-final-reconnect";

    private final RunIndex idx;
    private final Times times;
    private final int maxExamples;
    private final List<Verdict.Finding> examples = new ArrayList<>();
    private final Map<String, Integer> examplesPerCategory = new HashMap<>();
    private final Map<String, Long> findings = new TreeMap<>();
    private final Map<String, Long> info = new TreeMap<>();
    private long lostUnreleased;
    /** subscriber -> message key -> fresh receipts. */
    private final Map<String, Map<String, List<Event.Received>>> fresh = new HashMap<>();

    private Checker(List<Event> events, long startWallMillis, int maxExamples) {
        this.idx = new RunIndex(events);
        this.times = new Times(startWallMillis);
        this.maxExamples = maxExamples;
        for (Map.Entry<String, List<Event.Received>> e : idx.receipts.entrySet()) {
            Map<String, List<Event.Received>> f = new HashMap<>();
            for (Event.Received r : e.getValue()) {
                if (r.fresh()) {
                    f.computeIfAbsent(r.pub() + "#" + r.seq(), k -> new ArrayList<>(1)).add(r);
                }
            }
            fresh.put(e.getKey(), f);
        }
    }

    /** Checks {@code events}; {@code startWallMillis} (0 if unknown) only labels times in the examples. */
    public static Verdict check(List<Event> events, long startWallMillis, int maxExamples) {
        return new Checker(events, startWallMillis, maxExamples).run();
    }

    private Verdict run() {
        Verdict.Messages messages = countMessages();
        List<Verdict.SubscriberLine> lines = new ArrayList<>();
        long lost = 0;
        long qos2 = 0;
        long qos1 = 0;
        long order = 0;
        long orderAcross = 0;
        Map<String, List<RunIndex.ClientInfo>> groups = new LinkedHashMap<>();
        for (RunIndex.ClientInfo c : idx.clients.values()) {
            if (c.publisher) {
                continue;
            }
            if (c.inGroup()) {
                groups.computeIfAbsent(c.group, g -> new ArrayList<>()).add(c);
            }
            long[] owedLost = c.inGroup() ? new long[2] : checkLosses(c);
            long[] dups = checkDuplicates(c);
            long[] ord = c.inGroup() ? new long[2] : checkOrder(c);
            lost += owedLost[1];
            qos2 += dups[0];
            qos1 += dups[1];
            order += ord[0];
            orderAcross += ord[1];
            long delivered = fresh.getOrDefault(c.id, Map.of()).size();
            lines.add(new Verdict.SubscriberLine(c.id, kind(c), filters(c), owedLost[0], delivered, owedLost[1], dups[0],
                    dups[1], ord[0], idx.receipts.getOrDefault(c.id, List.of()).size()));
        }
        long lostShared = 0;
        long lostSharedKilled = 0;
        long[] several = new long[2];
        for (Map.Entry<String, List<RunIndex.ClientInfo>> g : groups.entrySet()) {
            long[] r = checkGroup(g.getKey(), g.getValue(), several);
            lostShared += r[1];
            lostSharedKilled += r[2];
            lines.add(new Verdict.SubscriberLine("$share/" + g.getKey(), "group of " + g.getValue().size(),
                    filters(g.getValue().get(0)), r[0], r[3], r[1], 0, 0, 0, 0));
        }
        lost += lostShared - lostSharedKilled;
        notesToFindings();
        Map<String, Long> faultsByKind = new TreeMap<>();
        for (RunIndex.Fault f : idx.faults) {
            faultsByKind.merge(f.kind(), 1L, Long::sum);
        }
        List<Verdict.Recovery> recoveries = new RecoveryTimes(idx, fresh).compute();
        return new Verdict(messages, lost, lostUnreleased, lostShared, lostSharedKilled, qos2, qos1, several[0], several[1], order,
                orderAcross, lines, faultsByKind, recoveries, drops(), findings, info, examples);
    }

    private Verdict.Messages countMessages() {
        long published = 0;
        long acked = 0;
        long abandoned = 0;
        long never = 0;
        long unackedDelivered = 0;
        long q1 = 0;
        long q2 = 0;
        for (TreeMap<Long, RunIndex.Message> perPub : idx.messages.values()) {
            for (RunIndex.Message m : perPub.values()) {
                if (m.firstSent < 0) {
                    continue;
                }
                published++;
                if (m.qos == 1) {
                    q1++;
                } else {
                    q2++;
                }
                if (m.acked()) {
                    acked++;
                    continue;
                }
                if (m.abandonedT >= 0) {
                    abandoned++;
                } else {
                    never++;
                }
                if (deliveredAnywhere(m.key())) {
                    unackedDelivered++;
                }
            }
        }
        return new Verdict.Messages(published, acked, abandoned, never, unackedDelivered, q1, q2);
    }

    private boolean deliveredAnywhere(String key) {
        for (Map<String, List<Event.Received>> f : fresh.values()) {
            if (f.containsKey(key)) {
                return true;
            }
        }
        return false;
    }

    // --- losses ----------------------------------------------------------------------------------------------

    /** Returns {owed, lost} for a subscriber outside a group. */
    private long[] checkLosses(RunIndex.ClientInfo sub) {
        long owed = 0;
        long lost = 0;
        Map<String, List<Event.Received>> got = fresh.getOrDefault(sub.id, Map.of());
        for (Map.Entry<String, TreeMap<Long, RunIndex.Message>> perPub : idx.messages.entrySet()) {
            String topic = "h/" + perPub.getKey() + "/t";
            List<RunIndex.Filter> matching = matching(sub, topic);
            if (matching.isEmpty()) {
                continue;
            }
            long since = sub.clean ? -1 : firstSuback(sub, matching);
            for (RunIndex.Message m : perPub.getValue().values()) {
                if (!m.acked() || m.firstSent < 0) {
                    continue;
                }
                RunIndex.Conn via = null;
                if (sub.clean) {
                    via = cleanConnectionOwing(sub, matching, m);
                    if (via == null) {
                        continue;
                    }
                } else if (since < 0 || m.firstSent < since) {
                    continue;
                }
                owed++;
                List<Event.Received> copies = got.get(m.key());
                if (copies == null && via != null && nodeCutOff(via, m) != null) {
                    // the subscriber's node was cut off from the cluster around the message, and the broker closed
                    // the connection soon after: a clean session has nothing that outlives that (reported apart)
                    info.merge(CLEAN_CUT_OFF, 1L, Long::sum);
                    example(CLEAN_CUT_OFF, m, sub.id, nodeCutOff(via, m) + "; " + lossDetail(sub, m, via));
                    continue;
                }
                if (copies == null) {
                    lost++;
                    countUnreleased(m);
                    example("acknowledged-lost", m, sub.id, lossDetail(sub, m, via));
                } else if (stuckUntilFinalReconnect(m, copies.get(0).t())) {
                    findings.merge(STUCK, 1L, Long::sum);
                    example(STUCK, m, sub.id, "first delivered " + times.ms(copies.get(0).t()) + " on "
                            + connName(sub.id, copies.get(0).conn()) + ", after the end phase made the subscriber reconnect; "
                            + lossDetail(sub, m, via));
                }
            }
        }
        return new long[]{owed, lost};
    }

    /** Counts a lost QoS 2 message whose clean publisher never completed its PUBREL (see {@link Verdict}). */
    private void countUnreleased(RunIndex.Message m) {
        RunIndex.ClientInfo pub = idx.clients.get(m.pub);
        if (m.qos == 2 && m.completedT < 0 && pub != null && pub.clean) {
            lostUnreleased++;
        }
    }

    /**
     * Acknowledged well before the end phase made the persistent subscribers reconnect, and first delivered only
     * after it: the broker held it (stored, not lost) but did not send it to a connected session.
     */
    private boolean stuckUntilFinalReconnect(RunIndex.Message m, long firstDelivery) {
        return idx.finalReconnect > 0 && firstDelivery > idx.finalReconnect && m.ackT < idx.finalReconnect - 10_000_000L;
    }

    private static List<RunIndex.Filter> matching(RunIndex.ClientInfo sub, String topic) {
        List<RunIndex.Filter> out = new ArrayList<>();
        for (RunIndex.Filter f : sub.filters) {
            if (TopicMatch.matches(f.filter(), topic)) {
                out.add(f);
            }
        }
        return out;
    }

    /** The first time any matching filter of a persistent subscriber was granted (SUBACK), or -1. */
    private static long firstSuback(RunIndex.ClientInfo sub, List<RunIndex.Filter> matching) {
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
    private static RunIndex.Conn cleanConnectionOwing(RunIndex.ClientInfo sub, List<RunIndex.Filter> matching,
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

    /** Returns {owed, lost, lostWithCleanMemberOnKilledNode, delivered} for a shared group. */
    private long[] checkGroup(String group, List<RunIndex.ClientInfo> members, long[] several) {
        long owed = 0;
        long lost = 0;
        long lostKilled = 0;
        long delivered = 0;
        for (Map.Entry<String, TreeMap<Long, RunIndex.Message>> perPub : idx.messages.entrySet()) {
            String topic = "h/" + perPub.getKey() + "/t";
            long since = -1;
            boolean anyMatch = false;
            for (RunIndex.ClientInfo c : members) {
                List<RunIndex.Filter> matching = matching(c, topic);
                anyMatch |= !matching.isEmpty();
                if (!c.clean && !matching.isEmpty()) {
                    long s = firstSuback(c, matching);
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
                    List<Event.Received> r = fresh.getOrDefault(c.id, Map.of()).get(m.key());
                    if (r != null) {
                        receivers++;
                        qos2Copies |= r.get(0).qos() == 2;
                    }
                }
                if (receivers > 1) {
                    several[0]++;
                    if (qos2Copies && m.qos == 2) {
                        several[1]++;
                        example("shared-qos2-to-several-members", m, "$share/" + group, deliveredTo(members, m));
                    }
                }
                if (!m.acked() || m.firstSent < 0) {
                    continue;
                }
                boolean isOwed = since >= 0 && m.firstSent >= since;
                for (int i = 0; i < members.size() && !isOwed; i++) {
                    RunIndex.ClientInfo c = members.get(i);
                    isOwed = c.clean && cleanConnectionOwing(c, matching(c, topic), m) != null;
                }
                if (!isOwed) {
                    continue;
                }
                owed++;
                if (receivers > 0) {
                    delivered++;
                    long first = Long.MAX_VALUE;
                    for (RunIndex.ClientInfo c : members) {
                        List<Event.Received> r = fresh.getOrDefault(c.id, Map.of()).get(m.key());
                        if (r != null) {
                            first = Math.min(first, r.get(0).t());
                        }
                    }
                    if (stuckUntilFinalReconnect(m, first)) {
                        findings.merge(STUCK, 1L, Long::sum);
                        example(STUCK, m, "$share/" + group, "first delivered " + times.ms(first)
                                + ", after the end phase made the members reconnect; " + groupDetail(members, m));
                    }
                    continue;
                }
                lost++;
                String killed = cleanMemberOnKilledNode(members, m);
                String left = killed == null ? cleanMemberLeftWithIt(members, m) : null;
                String ended = killed == null && left == null ? cleanMemberConnectionEnded(members, m) : null;
                if (killed != null) {
                    lostKilled++;
                    example("shared-lost-clean-member-killed", m, "$share/" + group, killed + "; " + groupDetail(members, m));
                } else if (left != null) {
                    lostKilled++;
                    example("shared-qos2-left-with-clean-member", m, "$share/" + group, left + "; " + groupDetail(members, m));
                } else if (ended != null) {
                    lostKilled++;
                    example(SHARED_QOS2_CONNECTION_ENDED, m, "$share/" + group, ended + "; " + groupDetail(members, m));
                } else {
                    countUnreleased(m);
                    example("acknowledged-lost", m, "$share/" + group, groupDetail(members, m));
                }
            }
        }
        return new long[]{owed, lost, lostKilled, delivered};
    }

    static final String CLEAN_CUT_OFF = "clean-lost-node-cut-off";
    private static final java.util.Set<String> CUT_OFF_KINDS = java.util.Set.of("kill", "stop", "partition", "partition-partial");

    /**
     * Why a clean subscriber's connection does not owe m after all: its node was killed, stopped or cut off by a
     * partition between m's first send and the connection's end, and the broker ended the connection within 15 s
     * of m's acknowledgement. Null when that is not so.
     */
    private String nodeCutOff(RunIndex.Conn via, RunIndex.Message m) {
        if (via.lostT < 0 || via.lostT > m.ackT + 15_000_000L) {
            return null;
        }
        for (RunIndex.Fault f : idx.faults) {
            if (!CUT_OFF_KINDS.contains(f.kind()) || f.begin() > via.lostT || (f.end() > 0 && f.end() < m.firstSent)) {
                continue;
            }
            if (java.util.Arrays.asList(f.target().split("\\|")).contains(via.node)) {
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
    private String outOfTheCluster(String node, long from, long to) {
        java.util.Map<String, Long> leftAt = new java.util.HashMap<>();
        List<Event.Note> changes = new ArrayList<>();
        for (Event.Note n : idx.notes) {
            if (n.subject().equals(node) && (n.what().equals(NodeLogs.LEFT) || n.what().equals(NodeLogs.JOINED))) {
                changes.add(n);
            }
        }
        changes.sort(java.util.Comparator.comparingLong(Event.Note::t));
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
    private String cleanMemberLeftWithIt(List<RunIndex.ClientInfo> members, RunIndex.Message m) {
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

    static final String SHARED_QOS2_CONNECTION_ENDED = "shared-qos2-clean-member-connection-ended";

    /**
     * A QoS 2 message whose copy may have been written to a clean member's connection as it ended (dropped, reset,
     * closed: from m's first send to a second after its acknowledgement). A copy written to the connection stays
     * with that client, whose session ended with it [MQTT-4.8.2-5]; one never written goes to another member. The
     * broker cannot know whether the client read it, and neither can the checker. Null when that is not so.
     */
    private String cleanMemberConnectionEnded(List<RunIndex.ClientInfo> members, RunIndex.Message m) {
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
    private String cleanMemberOnKilledNode(List<RunIndex.ClientInfo> members, RunIndex.Message m) {
        for (RunIndex.Fault f : idx.faults) {
            if (!CUT_OFF_KINDS.contains(f.kind()) || f.begin() > m.ackT + 10_000_000L || (f.end() > 0 && f.end() < m.firstSent)) {
                continue;
            }
            for (RunIndex.ClientInfo c : members) {
                // connected to the faulted node when the message was sent, or when the fault began (a node that
                // died is still a member for a moment, and so are the members connected to it)
                RunIndex.Conn k = idx.connAt(c.id, Math.max(f.begin(), m.firstSent));
                if (k == null || !java.util.Arrays.asList(f.target().split("\\|")).contains(k.node)) {
                    k = idx.connAt(c.id, f.begin());
                }
                if (c.clean && k != null && java.util.Arrays.asList(f.target().split("\\|")).contains(k.node)) {
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

    // --- duplicates and order --------------------------------------------------------------------------------

    /** The session a receipt belongs to: the persistent session's epoch, or a clean subscriber's connection. */
    private static String session(RunIndex.ClientInfo sub, Event.Received r) {
        return sub.clean ? "c" + r.conn() : "e" + r.epoch();
    }

    /** Returns {qos2 duplicates, qos1 duplicates} within sessions of one subscriber. */
    private long[] checkDuplicates(RunIndex.ClientInfo sub) {
        long q2 = 0;
        long q1 = 0;
        for (Map.Entry<String, List<Event.Received>> e : fresh.getOrDefault(sub.id, Map.of()).entrySet()) {
            Map<String, List<Event.Received>> bySession = new LinkedHashMap<>();
            for (Event.Received r : e.getValue()) {
                bySession.computeIfAbsent(session(sub, r), s -> new ArrayList<>()).add(r);
            }
            for (List<Event.Received> copies : bySession.values()) {
                if (copies.size() < 2) {
                    continue;
                }
                long q2copies = copies.stream().filter(r -> r.qos() == 2).count();
                if (q2copies > 1) {
                    q2 += q2copies - 1;
                    RunIndex.Message m = idx.message(copies.get(0).pub(), copies.get(0).seq());
                    example("qos2-duplicate", m, sub.id, duplicateDetail(sub, m, copies));
                }
                q1 += copies.size() - Math.max(1, q2copies);
            }
        }
        for (Event.Received r : idx.receipts.getOrDefault(sub.id, List.of())) {
            if (r.collision()) {
                findings.merge("qos2-packet-id-reused-before-pubrel", 1L, Long::sum);
                RunIndex.Message m = idx.message(r.pub(), r.seq());
                example("qos2-packet-id-reused-before-pubrel", m, sub.id, "PUBLISH pid=" + r.pid() + " at "
                        + times.ms(r.t()) + " on " + connName(sub.id, r.conn()) + " while that id awaited PUBREL for another message");
            }
        }
        return new long[]{q2, q1};
    }

    /** Returns {violations on one publisher connection, violations across a publisher reconnect}. */
    private long[] checkOrder(RunIndex.ClientInfo sub) {
        long strict = 0;
        long across = 0;
        Map<String, Map<String, Long>> maxSeq = new HashMap<>();
        Map<String, Map<String, Event.Received>> maxAt = new HashMap<>();
        Map<String, java.util.Set<String>> seen = new HashMap<>();
        for (Event.Received r : idx.receipts.getOrDefault(sub.id, List.of())) {
            if (!r.fresh()) {
                continue;
            }
            String s = session(sub, r);
            if (!seen.computeIfAbsent(s, k -> new java.util.HashSet<>()).add(r.pub() + "#" + r.seq())) {
                continue; // a repeat within the session: counted as a duplicate, not for order
            }
            if (r.dup()) {
                info.merge("first_delivery_with_dup_flag", 1L, Long::sum); // [MQTT-3.3.1-1]: DUP=1 means a resend
            }
            Map<String, Long> max = maxSeq.computeIfAbsent(s, k -> new HashMap<>());
            Long before = max.get(r.pub());
            if (before != null && r.seq() < before) {
                RunIndex.Message late = idx.message(r.pub(), r.seq());
                RunIndex.Message ahead = idx.message(r.pub(), before);
                Event.Received aheadAt = maxAt.get(s).get(r.pub());
                boolean sameConn = late.firstConn == ahead.firstConn && late.firstConn >= 0;
                String detail = "session " + s + ": " + late.key() + " arrived at " + times.ms(r.t()) + " on "
                        + connName(sub.id, r.conn()) + " after " + ahead.key() + " (arrived " + times.ms(aheadAt.t())
                        + "); publisher first sent them on " + connName(late.pub, late.firstConn) + " and "
                        + connName(ahead.pub, ahead.firstConn) + ", " + late.key() + " sent " + late.sends + "x"
                        + faultsText(Math.min(late.firstSent, ahead.firstSent), r.t());
                if (sameConn) {
                    strict++;
                    example("order", late, sub.id, detail);
                } else {
                    across++;
                    example("order-across-publisher-reconnect", late, sub.id, detail);
                }
            } else {
                max.put(r.pub(), r.seq());
                maxAt.computeIfAbsent(s, k -> new HashMap<>()).put(r.pub(), r);
            }
        }
        return new long[]{strict, across};
    }

    // --- notes and metrics -----------------------------------------------------------------------------------

    /** Notes that are findings (fail the run) and notes that are only information. */
    private void notesToFindings() {
        for (Event.Note n : idx.notes) {
            switch (n.what()) {
                case "session_lost", "takeover_old_not_closed", "client_crashed", "cluster_unsettled", "subscription_refused" -> {
                    findings.merge(n.what().replace('_', '-'), 1L, Long::sum);
                    example(n.what().replace('_', '-'), null, n.subject(), "at " + times.ms(n.t()) + ": " + n.detail());
                }
                case "phase" -> {
                    // the run's phases, not a finding
                }
                default -> info.merge(n.what(), 1L, Long::sum);
            }
        }
        for (RunIndex.ClientInfo c : idx.clients.values()) {
            for (RunIndex.Conn k : c.conns.values()) {
                for (Map.Entry<String, Integer> g : k.granted.entrySet()) {
                    if (g.getValue() >= 0x80) {
                        findings.merge("subscription-refused", 1L, Long::sum);
                        example("subscription-refused", null, c.id, g.getKey() + " on " + k.describe(times));
                    }
                }
            }
        }
    }

    /** mqtt_messages_dropped_total by reason: the last value of each node incarnation, summed. */
    private Map<String, Long> drops() {
        Map<String, Long> last = new HashMap<>();
        for (Event.Metric m : idx.metrics) {
            if (m.name().equals("mqtt_messages_dropped_total")) {
                last.put(m.node() + "/" + m.incarnation() + "/" + m.label(), m.value());
            }
        }
        Map<String, Long> byReason = new TreeMap<>();
        for (Map.Entry<String, Long> e : last.entrySet()) {
            byReason.merge(e.getKey().substring(e.getKey().lastIndexOf('/') + 1), e.getValue(), Long::sum);
        }
        return byReason;
    }

    // --- examples --------------------------------------------------------------------------------------------

    private void example(String category, RunIndex.Message m, String subscriber, String detail) {
        int n = examplesPerCategory.merge(category, 1, Integer::sum);
        if (n <= maxExamples) {
            examples.add(new Verdict.Finding(category, m == null ? "" : m.key(), subscriber,
                    (m == null ? "" : messageDetail(m) + "; ") + detail));
        }
    }

    private String messageDetail(RunIndex.Message m) {
        RunIndex.ClientInfo pub = idx.clients.get(m.pub);
        return m.key() + " qos " + m.qos + " from " + (pub != null && pub.clean ? "clean" : "persistent")
                + " publisher " + m.pub + ": first sent " + times.ms(m.firstSent) + " on " + connName(m.pub, m.firstConn)
                + ", sent " + m.sends + "x, acknowledged " + times.ms(m.ackT)
                + (m.ackConn >= 0 ? " on " + connName(m.pub, m.ackConn) : "")
                + (m.qos == 2 ? ", PUBCOMP " + times.ms(m.completedT) : "")
                + (m.abandonedT >= 0 ? ", abandoned " + times.ms(m.abandonedT) + " (" + m.abandonReason + ")" : "");
    }

    private String lossDetail(RunIndex.ClientInfo sub, RunIndex.Message m, RunIndex.Conn via) {
        StringBuilder b = new StringBuilder();
        b.append(kind(sub)).append(" subscriber ").append(sub.id).append(" (").append(filters(sub)).append(")");
        if (via != null) {
            b.append(" owed it on ").append(via.describe(times));
        } else {
            b.append(" connections around it: ").append(connsAround(sub, m.firstSent, m.ackT));
        }
        long repeats = idx.receipts.getOrDefault(sub.id, List.of()).stream()
                .filter(r -> r.pub().equals(m.pub) && r.seq() == m.seq).count();
        if (repeats > 0) {
            b.append("; received only as a repeat of a packet id awaiting PUBREL: ").append(repeats).append("x");
        }
        return b + faultsText(m.firstSent, m.ackT);
    }

    private String groupDetail(List<RunIndex.ClientInfo> members, RunIndex.Message m) {
        StringBuilder b = new StringBuilder("members' connections around it: ");
        for (RunIndex.ClientInfo c : members) {
            b.append(connsAround(c, m.firstSent, m.ackT)).append(' ');
        }
        return b + faultsText(m.firstSent, m.ackT);
    }

    private String deliveredTo(List<RunIndex.ClientInfo> members, RunIndex.Message m) {
        StringBuilder b = new StringBuilder("fresh at:");
        for (RunIndex.ClientInfo c : members) {
            List<Event.Received> r = fresh.getOrDefault(c.id, Map.of()).get(m.key());
            if (r != null) {
                for (Event.Received x : r) {
                    b.append(' ').append(receiptText(x));
                }
            }
        }
        return b.toString();
    }

    private String duplicateDetail(RunIndex.ClientInfo sub, RunIndex.Message m, List<Event.Received> copies) {
        StringBuilder b = new StringBuilder(kind(sub) + " subscriber " + sub.id + " handed it to the application "
                + copies.size() + "x in one session:");
        for (Event.Received r : copies) {
            b.append(' ').append(receiptText(r));
        }
        Event.Received first = copies.get(0);
        Event.Received second = copies.get(1);
        b.append(second.pid() == first.pid()
                ? "; the second came with the same packet id after a PUBREL had released it"
                : "; the second came under another packet id (" + first.pid() + " -> " + second.pid() + "); "
                + first.pid() + (released(sub.id, first) ? " was reused for another message in between (so released)"
                : " was not reused for another message in between"));
        return b + faultsText(first.t() - 5_000_000L, second.t());
    }

    /** Whether the subscriber got a later receipt of another message under the same packet id (so it was released). */
    private boolean released(String sub, Event.Received r) {
        for (Event.Received x : idx.receipts.getOrDefault(sub, List.of())) {
            if (x.t() > r.t() && x.pid() == r.pid() && x.fresh() && !(x.pub().equals(r.pub()) && x.seq() == r.seq())) {
                return true;
            }
        }
        return false;
    }

    private String receiptText(Event.Received r) {
        return "[" + times.ms(r.t()) + " " + connName(r.client(), r.conn()) + " pid=" + r.pid() + " dup=" + (r.dup() ? 1 : 0)
                + " qos=" + r.qos() + "]";
    }

    private String connName(String client, int conn) {
        RunIndex.ClientInfo c = idx.clients.get(client);
        RunIndex.Conn k = c == null ? null : c.conns.get(conn);
        return client + "/c" + conn + "@" + (k == null ? "?" : k.node);
    }

    private String connsAround(RunIndex.ClientInfo c, long from, long to) {
        List<String> out = new ArrayList<>();
        for (RunIndex.Conn k : c.conns.values()) {
            if (k.rc == 0 && k.connackT <= to + 30_000_000L && (k.lostT < 0 || k.lostT >= from - 30_000_000L)) {
                out.add(k.describe(times));
            }
        }
        return out.isEmpty() ? c.id + ": none" : String.join(" ", out);
    }

    private String faultsText(long from, long to) {
        List<RunIndex.Fault> near = idx.faultsNear(from - 15_000_000L, to + 15_000_000L);
        if (near.isEmpty()) {
            return "; no fault within 15 s";
        }
        StringBuilder b = new StringBuilder("; faults near:");
        for (RunIndex.Fault f : near) {
            b.append(" #").append(f.id()).append(' ').append(f.kind()).append(' ').append(f.target()).append(' ')
                    .append(times.ms(f.begin())).append("..").append(times.ms(f.end()));
        }
        return b.toString();
    }

    private static String kind(RunIndex.ClientInfo c) {
        return c.clean ? "clean" : "persistent";
    }

    private static String filters(RunIndex.ClientInfo c) {
        List<String> out = new ArrayList<>();
        for (RunIndex.Filter f : c.filters) {
            out.add(f.filter() + " q" + f.qos());
        }
        return String.join(", ", out);
    }
}
