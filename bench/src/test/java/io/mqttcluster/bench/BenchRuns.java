package io.mqttcluster.bench;

import io.mqttcluster.bench.cli.BenchCommand;
import io.mqttcluster.bench.report.RunResult;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs bench command lines in the test JVM, as a user would run the jar. */
final class BenchRuns {
    private BenchRuns() {
    }

    /** Runs a command that must complete (exit code 0) and returns its result. */
    static RunResult run(String... args) {
        BenchCommand.Execution e = BenchCommand.execute(args);
        assertThat(e.result).as("result of %s", String.join(" ", args)).isNotNull();
        assertThat(e.result.error).as("error of %s", String.join(" ", args)).isNull();
        assertThat(e.exitCode).as("exit code of %s", String.join(" ", args)).isZero();
        return e.result;
    }

    /** Arguments for a bounded run against a local broker: no progress lines, no warm-up, a short drain. */
    static String[] args(String scenario, int port, String... more) {
        List<String> a = new ArrayList<>(List.of(scenario, "--port", Integer.toString(port), "--quiet",
                "--warmup", "0", "--drain", "2s", "-d", "30s"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }
}
