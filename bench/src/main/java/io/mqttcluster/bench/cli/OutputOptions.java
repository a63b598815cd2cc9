package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.report.Json;
import io.mqttcluster.bench.report.RunResult;
import io.mqttcluster.bench.report.TablePrinter;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where the results go. */
public final class OutputOptions {
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Option(names = "--quiet", description = "No progress lines (the final table is still printed).")
    boolean quiet;

    @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "A label copied into the JSON output (repeatable), e.g. --tag target=mosquitto.")
    Map<String, String> tags = new LinkedHashMap<>();

    @Option(names = "--fail-on-loss", description = "Exit with code 3 when any message was lost or duplicated.")
    boolean failOnLoss;

    PrintStream progress() {
        return quiet ? null : System.err;
    }

    /** Prints the table, writes the JSON, and returns the exit code. */
    int finish(RunResult r, PrintStream out) {
        TablePrinter.print(r, out);
        if (json != null) {
            try {
                Path parent = json.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.writeString(json, Json.write(r.toJson()), StandardCharsets.UTF_8);
            } catch (IOException e) {
                System.err.println("cannot write " + json + ": " + e.getMessage());
                return 2;
            }
        }
        if (r.error != null) {
            return 1;
        }
        if (failOnLoss && (r.lost > 0 || r.duplicated > 0)) {
            return 3;
        }
        return 0;
    }
}
