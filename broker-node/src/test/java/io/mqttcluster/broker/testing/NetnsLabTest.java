package io.mqttcluster.broker.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The lab of a test JVM killed before it could remove it does not break the next partition test. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetnsLabTest {

    @Test
    void aLabLeftByAKilledRun_isRemoved_andANewOneWorks() throws Exception {
        String why = NetnsLab.unavailableReason();
        assumeTrue(why == null, () -> "skipped: " + why);
        // what a run killed with -9 leaves: its bridge with the lab's address, and a namespace
        sh("ip", "link", "add", "mqbdead", "type", "bridge");
        sh("ip", "addr", "add", "10.77.0.1/24", "dev", "mqbdead");
        sh("ip", "link", "set", "mqbdead", "up");
        sh("ip", "netns", "add", "mqndead1");
        try (NetnsLab lab = NetnsLab.create(1)) {
            assertThat(sh("ip", "-o", "link", "show")).doesNotContain("mqbdead");
            assertThat(sh("ip", "netns", "list")).doesNotContain("mqndead1");
            try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName("10.77.0.1"))) {
                NetnsLab.Result connect = lab.exec(1, "bash", "-c", "exec 3<>/dev/tcp/10.77.0.1/" + listener.getLocalPort());
                assertThat(connect.exit()).as("the new lab's host reaches the test: %s", connect.output()).isZero();
            }
        } finally {
            sh("ip", "link", "del", "mqbdead");
            sh("ip", "netns", "del", "mqndead1");
        }
    }

    private static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(20, TimeUnit.SECONDS);
        return out;
    }
}
