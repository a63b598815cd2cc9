package io.mqttcluster.faults.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the checks report besides their counts: findings (they fail the run), information, up to a number of
 * examples per category in the order they were found, and the lost QoS 2 messages a clean publisher never released.
 * Single-threaded, like the checker.
 */
final class Findings {
    private final RunIndex idx;
    private final Details details;
    private final int maxExamples;
    private final Map<String, Long> findings = new TreeMap<>();
    private final Map<String, Long> info = new TreeMap<>();
    private final List<Verdict.Finding> examples = new ArrayList<>();
    private final Map<String, Integer> examplesPerCategory = new HashMap<>();
    private long lostUnreleased;

    Findings(RunIndex idx, Details details, int maxExamples) {
        this.idx = idx;
        this.details = details;
        this.maxExamples = maxExamples;
    }

    void finding(String category) {
        findings.merge(category, 1L, Long::sum);
    }

    void info(String what) {
        info.merge(what, 1L, Long::sum);
    }

    /** Keeps an example of {@code category} unless it has {@code maxExamples} already; {@code m} may be null. */
    void example(String category, RunIndex.Message m, String subscriber, String detail) {
        int n = examplesPerCategory.merge(category, 1, Integer::sum);
        if (n <= maxExamples) {
            examples.add(new Verdict.Finding(category, m == null ? "" : m.key(), subscriber,
                    (m == null ? "" : details.messageDetail(m) + "; ") + detail));
        }
    }

    /** Counts a lost QoS 2 message whose clean publisher never completed its PUBREL (see {@link Verdict}). */
    void countUnreleased(RunIndex.Message m) {
        RunIndex.ClientInfo pub = idx.clients.get(m.pub);
        if (m.qos == 2 && m.completedT < 0 && pub != null && pub.clean) {
            lostUnreleased++;
        }
    }

    Map<String, Long> findings() {
        return findings;
    }

    Map<String, Long> info() {
        return info;
    }

    List<Verdict.Finding> examples() {
        return examples;
    }

    long lostUnreleased() {
        return lostUnreleased;
    }
}
