package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.report.Comparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compares JSON results of several runs as a markdown table: for each case (tag 'case', else the "
                + "scenario) and each target (tag 'target'), the median over the repetitions of the case's key numbers, "
                + "and the ratio of each target to the baseline.",
                "Throughput and latency show medians; lost and duplicated show the worst repetition."})
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PATH", description = "JSON result files, or directories holding them.")
    List<Path> paths;

    @Option(names = "--baseline", defaultValue = "mosquitto",
            description = "Target the ratios are taken against (default: ${DEFAULT-VALUE}).")
    String baseline;

    @Option(names = "--case-tag", defaultValue = "case", description = "Tag naming the case (default: ${DEFAULT-VALUE}).")
    String caseTag;

    @Option(names = "--target-tag", defaultValue = "target", description = "Tag naming the target (default: ${DEFAULT-VALUE}).")
    String targetTag;

    @Override
    public Integer call() throws IOException {
        Comparison c = Comparison.load(paths, caseTag, targetTag);
        if (c.isEmpty()) {
            System.err.println("no bench JSON results found in " + paths);
            return 1;
        }
        System.out.print(c.markdown(baseline));
        return 0;
    }
}
