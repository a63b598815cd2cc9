package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar runs as a process: it prints its ports, serves HTTP, and refuses a bad config with exit code 2. */
@Timeout(90)
class JarIT {
    private static final Pattern LISTENING = Pattern.compile("gateway_listening mqtt_port=(\\d+) http_port=(\\d+)");
    @TempDir
    Path dir;
    private Path jar;

    @BeforeEach
    void findJar() {
        jar = Path.of(System.getProperty("gateway.jar", "target/lb-gateway.jar"));
        Assumptions.assumeTrue(Files.isRegularFile(jar), "shaded jar not built: " + jar);
    }

    private Process start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
        pb.environment().keySet().removeIf(k -> k.startsWith("GATEWAY_"));
        pb.redirectError(dir.resolve("stderr.txt").toFile());
        return pb.start();
    }

    @Test
    void jar_startedWithPortZero_printsPortsServesHttpAndStopsOnSigterm() throws Exception {
        Assumptions.assumeTrue(Mosquitto.available(), "mosquitto not installed");
        try (Mosquitto broker = Mosquitto.start()) {
            Process p = start("--port", "0", "--http-port", "0", "--bind-address", "127.0.0.1", "--nodes", broker.key());
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                Matcher m = null;
                for (String line; (line = out.readLine()) != null; ) {
                    m = LISTENING.matcher(line);
                    if (m.find()) {
                        break;
                    }
                    m = null;
                }
                assertThat(m).as("listening line; stderr: " + Files.readString(dir.resolve("stderr.txt"))).isNotNull();
                int http = Integer.parseInt(m.group(2));
                assertThat(Integer.parseInt(m.group(1))).isPositive();
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/health/ready"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/metrics"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(ready.statusCode()).isEqualTo(200);
                assertThat(metrics.body()).contains("gateway_healthy_nodes 1", "gateway_node_up{node=\"" + broker.key() + "\"} 1");
            } finally {
                p.destroy(); // SIGTERM: the shutdown hook stops the gateway
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void jar_unknownConfigKey_exitCode2NamingKey() throws Exception {
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, "nodes: [127.0.0.1:1883]\nproxy_protocol: true\n");
        Process p = start("--config", config.toString());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("stderr.txt"))).contains("proxy_protocol").contains("did you mean 'proxy-protocol'");
    }
}
