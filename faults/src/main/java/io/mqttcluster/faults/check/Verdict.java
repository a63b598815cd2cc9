package io.mqttcluster.faults.check;

import java.util.List;
import java.util.Map;

/**
 * What the checker concluded about one run: counts per category, per-subscriber lines, recovery times, drops
 * read from the nodes, other findings, and examples with enough detail to reproduce each finding.
 */
public record Verdict(
        Messages messages,
        long lost,
        long lostQos2NotReleasedByCleanPublisher,
        long lostShared,
        long lostSharedWithCleanMemberOnKilledNode,
        long qos2Duplicates,
        long qos1Duplicates,
        long sharedDeliveredToSeveralMembers,
        long sharedQos2DeliveredToSeveralMembers,
        long orderViolations,
        long orderViolationsAcrossPublisherReconnect,
        List<SubscriberLine> subscribers,
        Map<String, Long> faultsByKind,
        List<Recovery> recoveries,
        Map<String, Long> drops,
        Map<String, Long> findings,
        Map<String, Long> info,
        List<Finding> examples) {

    /** Totals over all publishers. {@code neverAcked}: sent, neither acknowledged nor given up by the end. */
    public record Messages(long published, long acknowledged, long abandoned, long neverAcked, long unackedDelivered,
                           long qos1, long qos2) {
    }

    /**
     * One subscriber (or a shared group as a whole, named {@code $share/<group>}): acknowledged messages it was
     * owed, how many arrived, were lost, came twice.
     */
    public record SubscriberLine(String subscriber, String kind, String filters, long owed, long delivered, long lost,
                                 long qos2Duplicates, long qos1Duplicates, long orderViolations, long receipts) {
    }

    /**
     * Recovery after one fault: from its start (kill, bus-reset, takeover, reconnect) or end (stop, partition)
     * until every publisher had an acknowledgement and every subscriber a delivery again; -1 when some client had
     * none before the next fault ({@code waitingFor} names them).
     */
    public record Recovery(int fault, String kind, String target, long fromMicros, long recoveryMs, String slowest,
                           String waitingFor) {
    }

    /** One example of a finding: its category, the message and subscriber concerned, and the evidence. */
    public record Finding(String category, String message, String subscriber, String detail) {
    }

    /** Findings that fail the run: acknowledged-lost, QoS 2 duplicates, strict order violations, lost sessions and the like. */
    public long failures() {
        long f = lost + qos2Duplicates + orderViolations;
        for (long v : findings.values()) {
            f += v;
        }
        return f;
    }

    public boolean passed() {
        return failures() == 0;
    }

    public long worstRecoveryMs() {
        long worst = 0;
        for (Recovery r : recoveries) {
            worst = Math.max(worst, r.recoveryMs() < 0 ? Long.MAX_VALUE : r.recoveryMs());
        }
        return worst;
    }
}
