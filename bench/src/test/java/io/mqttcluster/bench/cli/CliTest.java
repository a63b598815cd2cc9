package io.mqttcluster.bench.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest {

    @ParameterizedTest
    @ValueSource(strings = {"conn", "pub", "sub", "fanin", "fanout", "pairs", "fleet", "reconnect-storm", "fleet-failover", "takeover", "report"})
    void everySubcommand_hasHelp(String name) {
        CommandLine cl = BenchCommand.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));

        int code = cl.execute(name, "--help");

        assertThat(code).isZero();
        assertThat(out.toString()).contains("Usage: bench " + name).doesNotContain("Could not format");
    }

    @Test
    void payloadSmallerThanTheHeader_isRefused() {
        CommandLine cl = BenchCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));

        int code = cl.execute("fanin", "--size", "10");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--size must be at least 24");
    }

    @Test
    void durations_acceptUnits() {
        assertThat(DurationConverter.parse("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(DurationConverter.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationConverter.parse("1.5")).isEqualTo(Duration.ofMillis(1500));
    }
}
