package io.mqttcluster.faults.report;

import io.mqttcluster.faults.check.Verdict;

import java.util.List;
import java.util.Map;

/**
 * Everything one run reports: how it ran (seed, target, what was left out and why, how long each phase took)
 * and the checker's verdict.
 */
public record RunReport(long seed, boolean passed, String target, String startedAt, double ratePerSecond,
                        List<String> faultKindsAsked, Map<String, String> faultKindsLeftOut, long startupMs,
                        long faultPhaseMs, long endPhaseMs, int faultsInjected, String runDirectory, Verdict verdict) {
}
