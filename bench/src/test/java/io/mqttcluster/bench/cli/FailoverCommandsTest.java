package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.failover.FleetFailover;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The words of the two failover probes mean what they meant as scripts/FleetFailover.java and scripts/MeasureTakeover.java. */
class FailoverCommandsTest {

    private static FleetFailover.Options fleetFailover(String... args) {
        CommandLine cl = BenchCommand.commandLine();
        CommandLine.ParseResult pr = cl.parseArgs(args);
        return ((FleetFailoverCommand) pr.subcommand().commandSpec().userObject()).options();
    }

    @Test
    void fleetFailover_noArguments_hasTheScriptsDefaults() {
        assertThat(fleetFailover("fleet-failover")).isEqualTo(
                new FleetFailover.Options(1000, "127.0.0.1", 1883, "127.0.0.1:8090", Path.of("run"), 250));
    }

    @Test
    void fleetFailover_positionalArguments_inTheScriptsOrder() {
        assertThat(fleetFailover("fleet-failover", "100", "10.0.0.5:2883", "10.0.0.5:9090", "/tmp/run", "20")).isEqualTo(
                new FleetFailover.Options(100, "10.0.0.5", 2883, "10.0.0.5:9090", Path.of("/tmp/run"), 20));
    }

    @Test
    void fleetFailover_deviceCountOnly_keepsTheOtherDefaults() {
        assertThat(fleetFailover("fleet-failover", "100").devices()).isEqualTo(100);
        assertThat(fleetFailover("fleet-failover", "100").gatewayPort()).isEqualTo(1883);
    }

    @Test
    void takeover_twoNodesAndRounds_areParsed() {
        CommandLine.ParseResult pr = BenchCommand.commandLine().parseArgs("takeover", "127.0.0.1:1884", "127.0.0.1:1885", "20");
        TakeoverCommand t = (TakeoverCommand) pr.subcommand().commandSpec().userObject();
        assertThat(t.nodeA).isEqualTo("127.0.0.1:1884");
        assertThat(t.nodeB).isEqualTo("127.0.0.1:1885");
        assertThat(t.rounds).isEqualTo(20);
    }

    @Test
    void takeover_roundsOmitted_is50() {
        CommandLine.ParseResult pr = BenchCommand.commandLine().parseArgs("takeover", "127.0.0.1:1884", "127.0.0.1:1885");
        assertThat(((TakeoverCommand) pr.subcommand().commandSpec().userObject()).rounds).isEqualTo(50);
    }

    @Test
    void takeover_withoutNodes_isRefusedAsBadUsage() {
        CommandLine cl = BenchCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("takeover")).isEqualTo(2);
        assertThat(err.toString()).contains("NODE-A");
    }
}
