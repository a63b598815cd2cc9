package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.NodeProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The security workflow as an operator runs it, with processes: users added with
 * {@code java -jar broker-node.jar passwd}, a running node told with SIGHUP, clients with mosquitto_pub;
 * and the same password file read by Mosquitto itself.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecurityProcessIT {

    @TempDir
    Path dir;

    @Test
    void passwdThenSighupLetsTheNewUserIn() throws Exception {
        assumeMosquitto();
        Path passwords = dir.resolve("passwords");
        assertThat(passwd("-b", passwords.toString(), "ops", "first pass").code()).isZero();
        try (NodeProcess node = NodeProcess.start(List.of("--mqtt-port", "0", "--http-port", "0", "--cluster-port", "0",
                "--mqtt-host", "127.0.0.1", "--set", "auth.allow-anonymous=false",
                "--set", "auth.password-file=" + passwords, "--set", "security.reload-interval=0"), Map.of())) {
            int port = node.awaitListening(60)[0];
            assertThat(pub(port, "ops", "first pass").code()).isZero();
            TlsIT.Result refused = pub(port, "newbie", "second");
            assertThat(refused.code()).isNotZero();
            assertThat(refused.output()).contains("bad user name or password"); // CONNACK 0x04 in mosquitto_pub's words

            assertThat(passwd("-b", passwords.toString(), "newbie", "second").code()).isZero();
            // the file is checked only on SIGHUP here (security.reload-interval=0)
            assertThat(pub(port, "newbie", "second").code()).isNotZero();
            new ProcessBuilder("kill", "-HUP", String.valueOf(node.process.pid())).start().waitFor(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                    .until(() -> pub(port, "newbie", "second").code() == 0);
            assertThat(node.process.isAlive()).isTrue();
            assertThat(node.allOutput()).contains("event=sighup").contains("event=security_reloaded").doesNotContain("second");
        }
    }

    /** Under nohup SIGHUP stays ignored whatever the JVM asks; the node must say so rather than ignore kill -HUP silently. */
    @Test
    void sighupIgnoredByTheParentIsReported() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/nohup")), "coreutils nohup");
        List<String> cmd = List.of("/usr/bin/nohup", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", NodeProcess.jar().toString(), "--mqtt-port", "0", "--http-port", "0",
                "--cluster-port", "0", "--mqtt-host", "127.0.0.1", "--set", "security.reload-interval=0");
        try (NodeProcess node = NodeProcess.startCommand(cmd, Map.of())) {
            node.awaitListening(60);
            assertThat(node.allOutput()).contains("event=sighup_unavailable reason=ignored_by_parent_process")
                    .contains("event=security_reload_off");
        }
    }

    @Test
    void mosquittoAcceptsOurPasswordFile() throws Exception {
        assumeMosquitto();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mosquitto")), "mosquitto broker not installed");
        Path passwords = dir.resolve("passwords");
        assertThat(passwd("-b", passwords.toString(), "carol", "shared file").code()).isZero();
        int port = io.mqttcluster.cluster.Ports.pickFree();
        Path conf = dir.resolve("mosquitto.conf");
        // run as this user: started as root, mosquitto would switch to "mosquitto", who cannot read the 0600 file
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous false\npassword_file " + passwords
                + "\nuser " + System.getProperty("user.name") + "\n");
        Process mosquitto = new ProcessBuilder("/usr/sbin/mosquitto", "-c", conf.toString()).redirectErrorStream(true).start();
        try {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> pub(port, "carol", "shared file").code() == 0);
            assertThat(pub(port, "carol", "wrong").code()).isNotZero();
        } finally {
            mosquitto.destroy();
            mosquitto.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static TlsIT.Result passwd(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", NodeProcess.jar().toString(), "passwd", "--iterations", "1000"));
        cmd.addAll(List.of(args));
        return TlsIT.run(cmd.toArray(new String[0]));
    }

    private static TlsIT.Result pub(int port, String user, String password) throws Exception {
        return TlsIT.run("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-u", user, "-P", password,
                "-t", "ops/check", "-m", "x", "-q", "1", "-V", "mqttv311");
    }

    private static void assumeMosquitto() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/mosquitto_pub")), "mosquitto-clients is installed by scripts/test.sh");
    }
}
