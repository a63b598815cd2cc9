package io.mqttcluster.faults;

import io.mqttcluster.faults.report.ReportWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariant 13, the short seeded run: a real 3-node cluster from the shaded jar (each node in its own network
 * namespace when running as root, else on loopback without partitions), about two and a half minutes of
 * faults on a fixed seed, then the checker. Fails naming the seed and the report. {@code -Dfaults.seed=N} runs
 * another seed, {@code -Dfaults.seed=today} the seed of the day (yyyymmdd, UTC); {@code -Dfaults.duration=90s}
 * another length.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FaultHarnessIT {

    static final long FIXED_SEED = 20261206L;

    @Test
    void seededFaults_loseNothingAcknowledged_duplicateNoQos2_keepOrder() throws Exception {
        String s = System.getProperty("faults.seed", "");
        long seed = s.isBlank() ? FIXED_SEED
                : s.equals("today") ? Long.parseLong(LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE))
                : Long.parseLong(s);
        Duration faults = Main.parse(System.getProperty("faults.duration", "140s"));
        Path out = Path.of(System.getProperty("faults.out", "target/fault-runs"));
        HarnessOptions o = HarnessOptions.defaults(seed, faults, out);
        o = new HarnessOptions(o.seed(), o.faultPhase(), o.kinds(), o.rate(), o.gateway(), o.out(), o.target(),
                o.loopback(), o.brokerJar(), o.gatewayJar(), o.nodeArgs(), Duration.ofSeconds(110), o.keepLogs());

        Harness.Result r = Harness.run(o);

        System.out.print(ReportWriter.text(r.report()));
        assertThat(r.report().verdict().messages().acknowledged()).as("the run published and got acknowledgements").isPositive();
        assertThat(r.passed())
                .as("fault harness found problems with seed %d; report %s (replay: scripts/fault-harness.sh --seed %d)",
                        seed, r.runDir().resolve("summary.txt"), seed)
                .isTrue();
    }
}
