package io.mqttcluster.bench;

import io.mqttcluster.bench.report.RunResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.mqttcluster.bench.BenchRuns.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tool against a real broker: a mosquitto process started here on a free port (Debian's package, /usr/sbin/mosquitto).
 * Short runs of the scenarios that must lose nothing on a healthy broker.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MosquittoIT {
    private static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");

    @TempDir
    static Path dir;
    private static Process mosquitto;
    private static int port;

    @BeforeAll
    static void startMosquitto() throws IOException {
        assumeTrue(Files.isExecutable(MOSQUITTO),
                "mosquitto is not installed at " + MOSQUITTO + " (apt-get install -y mosquitto): skipping the integration test");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, String.join("\n",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                "max_queued_messages 100000",
                "max_inflight_messages 32",
                "log_dest stdout",
                "log_type error",
                "log_type warning",
                ""));
        mosquitto = new ProcessBuilder(MOSQUITTO.toString(), "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        await().atMost(10, TimeUnit.SECONDS).pollInterval(50, TimeUnit.MILLISECONDS).until(MosquittoIT::listening);
    }

    private static boolean listening() {
        if (!mosquitto.isAlive()) {
            throw new IllegalStateException("mosquitto exited with " + mosquitto.exitValue());
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @AfterAll
    static void stopMosquitto() throws InterruptedException {
        if (mosquitto != null) {
            mosquitto.destroy();
            if (!mosquitto.waitFor(5, TimeUnit.SECONDS)) {
                mosquitto.destroyForcibly();
            }
        }
    }

    private static String[] common(String scenario, String... more) {
        return BenchRuns.args(scenario, port, more);
    }

    @Test
    void pairs_qos1_losesNothing() {
        RunResult r = run(common("pairs", "-N", "10", "-q", "1", "-d", "2s", "--warmup", "500ms"));

        assertThat(r.sent).isPositive();
        assertThat(r.receivedPerSecond).isPositive();
        assertThat(r.lost).isZero();
        assertThat(r.duplicated).isZero();
        assertThat(r.outOfOrder).isZero();
        assertThat(r.unacked).isZero();
        assertThat(r.received).isEqualTo(r.sent);
        assertThat(r.latency.count).isPositive();
    }

    @Test
    void fanout_qos0_losesNothing() {
        RunResult r = run(common("fanout", "-S", "5", "-q", "0", "-d", "2s", "--warmup", "500ms"));

        assertThat(r.sent).isPositive();
        assertThat(r.lost).isZero();
        assertThat(r.duplicated).isZero();
        assertThat(r.outOfOrder).isZero();
        assertThat(r.received).isEqualTo(r.sent * 5);
    }

    @Test
    void reconnectStorm_persistentSessions_allComeBackWithTheirMessages() {
        RunResult r = run(common("reconnect-storm", "-C", "50", "--hold", "1s", "--after", "1s", "--rate", "200"));

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> storms = (List<Map<String, Object>>) r.extra.get("storms");
        assertThat(storms).singleElement().satisfies(s -> {
            assertThat(s.get("back")).isEqualTo(50);
            assertThat(s.get("without_session")).isEqualTo(0L);
        });
        assertThat(r.sent).isPositive();
        assertThat(r.lost).as("messages published while the sessions were offline are queued and delivered").isZero();
        assertThat(r.unacked).isZero();
    }
}
