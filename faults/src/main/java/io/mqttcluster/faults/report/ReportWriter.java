package io.mqttcluster.faults.report;

import io.mqttcluster.faults.check.Verdict;
import io.mqttcluster.faults.nemesis.FaultKind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a run's report into its directory: {@code report.json} (everything), {@code summary.txt} (for a
 * person: counts, findings with examples, recovery, drops) and {@code summary.tsv} (one header line and one
 * row, which scripts/fault-harness.sh puts together into its table).
 */
public final class ReportWriter {

    /** Examples per category in summary.txt (report.json has all the checker kept). */
    private static final int TEXT_EXAMPLES = 5;

    private ReportWriter() {
    }

    public static void write(Path dir, RunReport r) throws IOException {
        Files.writeString(dir.resolve("report.json"), Json.write(r), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("summary.txt"), text(r), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("summary.tsv"), String.join("\t", tsvHeader()) + "\n"
                + String.join("\t", tsvRow(r)) + "\n", StandardCharsets.UTF_8);
    }

    public static List<String> tsvHeader() {
        List<String> h = new ArrayList<>(List.of("seed", "result", "faults"));
        for (FaultKind k : FaultKind.values()) {
            h.add(k.id);
        }
        h.addAll(List.of("published", "acknowledged", "acked_lost", "shared_lost_killed_member", "qos2_duplicates",
                "qos1_duplicates", "order_violations", "order_across_reconnect", "other_findings",
                "worst_recovery_ms", "dropped_queue_full", "dropped_slow_consumer", "report"));
        return h;
    }

    public static List<String> tsvRow(RunReport r) {
        Verdict v = r.verdict();
        List<String> row = new ArrayList<>(List.of(String.valueOf(r.seed()), r.passed() ? "pass" : "FAIL",
                String.valueOf(r.faultsInjected())));
        for (FaultKind k : FaultKind.values()) {
            row.add(String.valueOf(v.faultsByKind().getOrDefault(k.id, 0L)));
        }
        long other = v.findings().values().stream().mapToLong(Long::longValue).sum();
        long worst = v.worstRecoveryMs();
        row.addAll(List.of(String.valueOf(v.messages().published()), String.valueOf(v.messages().acknowledged()),
                String.valueOf(v.lost()), String.valueOf(v.lostSharedWithCleanMemberOnKilledNode()),
                String.valueOf(v.qos2Duplicates()), String.valueOf(v.qos1Duplicates()),
                String.valueOf(v.orderViolations()), String.valueOf(v.orderViolationsAcrossPublisherReconnect()),
                String.valueOf(other), worst == Long.MAX_VALUE ? "unrecovered" : String.valueOf(worst),
                String.valueOf(v.drops().getOrDefault("queue_full", 0L)),
                String.valueOf(v.drops().getOrDefault("slow_consumer", 0L)),
                r.runDirectory() + "/summary.txt"));
        return row;
    }

    public static String text(RunReport r) {
        Verdict v = r.verdict();
        Verdict.Messages m = v.messages();
        StringBuilder b = new StringBuilder();
        b.append("fault-harness run, seed ").append(r.seed()).append(": ").append(r.passed() ? "PASSED" : "FAILED").append('\n');
        if (r.seed() >= 0) {
            b.append("replay: scripts/fault-harness.sh --seed ").append(r.seed()).append(" (same fault plan; timing differs)\n");
        }
        b.append("target: ").append(r.target()).append('\n');
        b.append("started: ").append(r.startedAt()).append(", rate ").append(r.ratePerSecond()).append(" msg/s, start-up ")
                .append(r.startupMs() / 1000).append(" s, faults ").append(r.faultPhaseMs() / 1000).append(" s, end phase ")
                .append(r.endPhaseMs() / 1000).append(" s\n");
        b.append("fault kinds asked: ").append(String.join(",", r.faultKindsAsked())).append('\n');
        for (Map.Entry<String, String> e : r.faultKindsLeftOut().entrySet()) {
            b.append("  left out: ").append(e.getKey()).append(" (").append(e.getValue()).append(")\n");
        }
        b.append("faults injected: ").append(r.faultsInjected()).append(' ').append(v.faultsByKind()).append('\n');
        b.append('\n');
        b.append(String.format("messages: published %d (qos1 %d, qos2 %d), acknowledged %d, abandoned by clean publishers %d, "
                        + "never acknowledged %d, unacknowledged but delivered %d%n", m.published(), m.qos1(), m.qos2(),
                m.acknowledged(), m.abandoned(), m.neverAcked(), m.unackedDelivered()));
        b.append(String.format("ACKNOWLEDGED BUT LOST: %d (message, subscriber) pairs   (shared group: %d lost, of which %d with a clean member on a killed node, left with one or whose connection ended with it, "
                + "reported, not counted in the total)%n", v.lost(), v.lostShared(), v.lostSharedWithCleanMemberOnKilledNode()));
        if (v.lostQos2NotReleasedByCleanPublisher() > 0) {
            b.append(String.format("  of the lost, %d are QoS 2 from a clean publisher whose session ended between PUBREC and PUBCOMP "
                    + "(a broker delivering on PUBREL, 4.3.3 method A, may drop these; ours acknowledges at PUBREC)%n",
                    v.lostQos2NotReleasedByCleanPublisher()));
        }
        b.append(String.format("QOS 2 DUPLICATES: %d   qos1 duplicates (allowed): %d%n", v.qos2Duplicates(), v.qos1Duplicates()));
        b.append(String.format("ORDER VIOLATIONS: %d   (across a publisher reconnect, reported only: %d)%n",
                v.orderViolations(), v.orderViolationsAcrossPublisherReconnect()));
        b.append(String.format("shared group: delivered to several members %d (qos2 %d)%n",
                v.sharedDeliveredToSeveralMembers(), v.sharedQos2DeliveredToSeveralMembers()));
        b.append("other findings: ").append(v.findings().isEmpty() ? "none" : v.findings()).append('\n');
        b.append("dropped by the nodes (mqtt_messages_dropped_total, by reason): ").append(v.drops()).append('\n');
        long qf = v.drops().getOrDefault("queue_full", 0L) + v.drops().getOrDefault("slow_consumer", 0L);
        if (qf > 0) {
            b.append("  NOTE: ").append(qf).append(" messages dropped for queue_full/slow_consumer: compare with the losses above\n");
        }
        b.append("information: ").append(v.info()).append('\n');
        b.append('\n').append("per subscriber:\n");
        b.append(String.format("  %-12s %-10s %-40s %8s %9s %6s %6s %6s %6s %8s%n", "subscriber", "kind", "filters", "owed",
                "delivered", "lost", "dup2", "dup1", "order", "receipts"));
        for (Verdict.SubscriberLine s : v.subscribers()) {
            b.append(String.format("  %-12s %-10s %-40s %8d %9d %6d %6d %6d %6d %8d%n", s.subscriber(), s.kind(),
                    s.filters(), s.owed(), s.delivered(), s.lost(), s.qos2Duplicates(), s.qos1Duplicates(),
                    s.orderViolations(), s.receipts()));
        }
        b.append('\n').append("recovery per fault (ms until every publisher was acknowledged and every subscriber received again):\n");
        for (Verdict.Recovery rec : v.recoveries()) {
            b.append(String.format("  #%-3d %-18s %-8s %s%n", rec.fault(), rec.kind(), rec.target(),
                    rec.recoveryMs() >= 0 ? rec.recoveryMs() + " ms (slowest " + rec.slowest() + ")"
                            : "NOT RECOVERED before the next fault; waiting for: " + rec.waitingFor()));
        }
        long worst = v.worstRecoveryMs();
        b.append("  worst: ").append(worst == Long.MAX_VALUE ? "not recovered" : worst + " ms").append('\n');
        b.append('\n').append("examples (").append(TEXT_EXAMPLES).append(" per category; all kept in report.json):\n");
        Map<String, Integer> shown = new java.util.HashMap<>();
        for (Verdict.Finding f : v.examples()) {
            if (shown.merge(f.category(), 1, Integer::sum) <= TEXT_EXAMPLES) {
                b.append("  [").append(f.category()).append("] ").append(f.subscriber()).append(": ").append(f.detail()).append('\n');
            }
        }
        b.append('\n').append("run directory: ").append(r.runDirectory()).append('\n');
        return b.toString();
    }
}
