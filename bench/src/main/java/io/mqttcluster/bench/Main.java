package io.mqttcluster.bench;

import io.mqttcluster.bench.cli.BenchCommand;

/** Entry point of bench.jar. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int code = BenchCommand.commandLine().execute(args);
        System.out.flush();
        System.exit(code);
    }
}
