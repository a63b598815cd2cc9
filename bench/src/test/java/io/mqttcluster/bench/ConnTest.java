package io.mqttcluster.bench;

import io.mqttcluster.bench.cli.BenchCommand;
import io.mqttcluster.bench.report.RunResult;
import io.mqttcluster.bench.scenario.ProcInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static io.mqttcluster.bench.BenchRuns.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code conn} scenario: connections held, source addresses spread, memory sampled, file limit respected. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnTest {

    @Test
    void conn_opensHoldsAndCloses_spreadOverSourceAddresses() {
        try (ScriptedBroker broker = new ScriptedBroker()) {
            long pid = ProcessHandle.current().pid();

            RunResult r = run("conn", "--port", Integer.toString(broker.port()), "--quiet", "-c", "300", "-r", "3000",
                    "--hold", "300ms", "--source-ips", "127.0.0.2-127.0.0.4", "--broker-pid", Long.toString(pid));

            assertThat(r.extra.get("connections_ready")).isEqualTo(300);
            assertThat(r.extra.get("connections_held")).isEqualTo(300L);
            assertThat(r.extra.get("lost_during_hold")).isEqualTo(0L);
            assertThat(r.connectFailures).isZero();
            assertThat(r.connectLatency.count).isEqualTo(300);
            assertThat(broker.connects.get()).isEqualTo(300);
            assertThat(broker.sourceAddresses).containsExactlyInAnyOrder("127.0.0.2", "127.0.0.3", "127.0.0.4");
            assertThat((Long) r.extra.get("broker_rss_before_kb")).isPositive();
            assertThat((Long) r.extra.get("broker_rss_after_kb")).isPositive();
            assertThat(r.extra).containsKey("rss_per_connection_bytes");
            assertThat((Double) r.extra.get("connect_rate_per_second")).isPositive();
        }
    }

    @Test
    void conn_moreThanTheFileLimit_failsFastWithAClearMessage() {
        long max = ProcInfo.ownMaxFiles();
        long tooMany = max + 1000;

        assertThatThrownBy(() -> ProcInfo.checkFileLimit(tooMany))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ulimit -n")
                .hasMessageContaining(String.format("%,d", max));
        BenchCommand.Execution e = BenchCommand.execute("conn", "--port", "1", "--quiet", "-c", Long.toString(tooMany));
        assertThat(e.exitCode).isEqualTo(2);
        assertThat(e.result).isNull();
    }

    @Test
    void rss_ofThisProcess_isReadFromProc() {
        long pid = ProcessHandle.current().pid();

        assertThat(ProcInfo.rssKb(pid)).isPositive();
        assertThat(ProcInfo.maxOpenFiles(pid)).isEqualTo(ProcInfo.ownMaxFiles());
        assertThat(ProcInfo.rssKb(Integer.MAX_VALUE)).isEqualTo(-1);
    }
}
