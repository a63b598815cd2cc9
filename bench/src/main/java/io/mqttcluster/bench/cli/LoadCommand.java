package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.load.LoadEngine;
import io.mqttcluster.bench.load.Plan;
import io.mqttcluster.bench.load.Settings;
import io.mqttcluster.bench.report.RunResult;
import io.mqttcluster.bench.scenario.ProcInfo;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** The common part of the load scenario commands: options, the run, the output. */
abstract class LoadCommand implements Callable<Integer>, BenchCommand.ResultHolder {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LoadOptions load;

    @Mixin
    OutputOptions output;

    private RunResult result;

    @Override
    public RunResult result() {
        return result;
    }

    /** Source addresses to bind when --source-ips is not given. */
    String defaultSourceIps() {
        return "none";
    }

    /** True when the user gave this option on the command line. */
    boolean given(String option) {
        return spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** Scenario defaults that differ from the shared ones (only where the user said nothing). */
    void adjust(Settings s) {
    }

    abstract Plan plan(Settings s, String root);

    Settings settings() {
        load.validate(spec);
        Settings s = new Settings();
        connection.applyTo(s, defaultSourceIps());
        load.applyTo(s);
        s.progress = output.progress();
        s.tags.putAll(output.tags);
        adjust(s);
        return s;
    }

    @Override
    public Integer call() {
        Settings s = settings();
        Plan plan = plan(s, load.root());
        try {
            ProcInfo.checkFileLimit(plan.pubs.size() + plan.subs.size());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        result = execute(s, plan);
        return output.finish(result, System.out);
    }

    RunResult execute(Settings s, Plan plan) {
        try (LoadEngine engine = new LoadEngine(s, plan)) {
            return engine.run();
        }
    }
}
