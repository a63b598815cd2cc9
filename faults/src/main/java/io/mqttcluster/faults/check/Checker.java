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
 *
 * <p>This class runs the checks and assembles the {@link Verdict}; the rules are in their own classes:
 * {@link Owed} (who is owed what), {@link LossCheck} and {@link GroupCheck} (losses of a subscriber, of a shared
 * group), {@link LossExcuses} (when a clean session's loss is not the broker's fault), {@link DuplicateCheck}
 * (QoS 2 exactly-once), {@link OrderCheck}; {@link Findings} collects findings and examples, {@link Details} words
 * them.
 */
public final class Checker {

    /** A finding: acknowledged, and delivered to a connected persistent subscriber only after it reconnected. */
    static final String STUCK = "delivered-only-after-final-reconnect";
    /** Information: a clean subscriber's loss excused because its node was cut off (see {@link LossExcuses#nodeCutOff}). */
    static final String CLEAN_CUT_OFF = "clean-lost-node-cut-off";
    /** A shared group's QoS 2 loss excused because it went with a clean member's ending connection. */
    static final String SHARED_QOS2_CONNECTION_ENDED = "shared-qos2-clean-member-connection-ended";

    private final RunIndex idx;
    private final Times times;
    private final FreshReceipts fresh;
    private final Findings findings;
    private final LossCheck losses;
    private final GroupCheck groupCheck;
    private final DuplicateCheck duplicates;
    private final OrderCheck orderCheck;

    private Checker(List<Event> events, long startWallMillis, int maxExamples) {
        this.idx = new RunIndex(events);
        this.times = new Times(startWallMillis);
        this.fresh = new FreshReceipts(idx);
        Details details = new Details(idx, times, fresh);
        LossExcuses excuses = new LossExcuses(idx, times);
        this.findings = new Findings(idx, details, maxExamples);
        CheckContext run = new CheckContext(idx, times, fresh, findings, details, excuses);
        this.losses = new LossCheck(run);
        this.groupCheck = new GroupCheck(run);
        this.duplicates = new DuplicateCheck(idx, times, fresh, findings, details);
        this.orderCheck = new OrderCheck(idx, times, findings, details);
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
            long[] owedLost = c.inGroup() ? new long[2] : losses.check(c);
            long[] dups = duplicates.check(c);
            long[] ord = c.inGroup() ? new long[2] : orderCheck.check(c);
            lost += owedLost[1];
            qos2 += dups[0];
            qos1 += dups[1];
            order += ord[0];
            orderAcross += ord[1];
            long delivered = fresh.of(c.id).size();
            lines.add(new Verdict.SubscriberLine(c.id, Details.kind(c), Details.filters(c), owedLost[0], delivered, owedLost[1], dups[0],
                    dups[1], ord[0], idx.receipts.getOrDefault(c.id, List.of()).size()));
        }
        long lostShared = 0;
        long lostSharedKilled = 0;
        long[] several = new long[2];
        for (Map.Entry<String, List<RunIndex.ClientInfo>> g : groups.entrySet()) {
            long[] r = groupCheck.check(g.getKey(), g.getValue(), several);
            lostShared += r[1];
            lostSharedKilled += r[2];
            lines.add(new Verdict.SubscriberLine("$share/" + g.getKey(), "group of " + g.getValue().size(),
                    Details.filters(g.getValue().get(0)), r[0], r[3], r[1], 0, 0, 0, 0));
        }
        lost += lostShared - lostSharedKilled;
        notesToFindings();
        Map<String, Long> faultsByKind = new TreeMap<>();
        for (RunIndex.Fault f : idx.faults) {
            faultsByKind.merge(f.kind(), 1L, Long::sum);
        }
        List<Verdict.Recovery> recoveries = new RecoveryTimes(idx, fresh.bySubscriber()).compute();
        return new Verdict(messages, lost, findings.lostUnreleased(), lostShared, lostSharedKilled, qos2, qos1, several[0], several[1], order,
                orderAcross, lines, faultsByKind, recoveries, drops(), findings.findings(), findings.info(), findings.examples());
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
                if (fresh.deliveredAnywhere(m.key())) {
                    unackedDelivered++;
                }
            }
        }
        return new Verdict.Messages(published, acked, abandoned, never, unackedDelivered, q1, q2);
    }

    // --- notes and metrics -----------------------------------------------------------------------------------

    /** Notes that are findings (fail the run) and notes that are only information. */
    private void notesToFindings() {
        for (Event.Note n : idx.notes) {
            switch (n.what()) {
                case "session_lost", "takeover_old_not_closed", "client_crashed", "cluster_unsettled", "subscription_refused" -> {
                    findings.finding(n.what().replace('_', '-'));
                    findings.example(n.what().replace('_', '-'), null, n.subject(), "at " + times.ms(n.t()) + ": " + n.detail());
                }
                case "phase" -> {
                    // the run's phases, not a finding
                }
                default -> findings.info(n.what());
            }
        }
        for (RunIndex.ClientInfo c : idx.clients.values()) {
            for (RunIndex.Conn k : c.conns.values()) {
                for (Map.Entry<String, Integer> g : k.granted.entrySet()) {
                    if (g.getValue() >= 0x80) {
                        findings.finding("subscription-refused");
                        findings.example("subscription-refused", null, c.id, g.getKey() + " on " + k.describe(times));
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
}
