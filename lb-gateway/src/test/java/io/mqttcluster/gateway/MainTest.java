package io.mqttcluster.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class MainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    @Test
    void run_unknownKeyInConfigFile_exitCode2NamingKey() throws Exception {
        Path f = dir.resolve("g.yaml");
        Files.writeString(f, "nodes: [127.0.0.1:1883]\nhealth:\n  intervall: 2s\n");
        assertThat(run(Map.of(), "--config", f.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("health.intervall").contains("unknown key");
    }

    @Test
    void run_invalidEnvironmentValue_exitCode2NamingKeyAndVariable() {
        assertThat(run(Map.of("GATEWAY_CONNECT_MAX_SIZE", "big"), "--nodes", "127.0.0.1:1883")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("connect.max-size").contains("GATEWAY_CONNECT_MAX_SIZE");
    }

    @Test
    void run_unknownSetKey_exitCode2NamingKey() {
        assertThat(run(Map.of(), "--nodes", "127.0.0.1:1883", "--set", "rebalance.enable=true")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("rebalance.enable").contains("rebalance.enabled");
    }

    @Test
    void run_unknownFlag_exitCode2() {
        assertThat(run(Map.of(), "--nodez", "a")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--nodez");
    }

    @Test
    void run_help_exitCode0ListsFlags() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--port", "--http-port", "--nodes", "--dns-name",
                "--node-mqtt-port", "--node-http-port", "--proxy-protocol", "--config", "GATEWAY_");
    }
}
