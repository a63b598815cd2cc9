package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.NodeProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shaded jar as users run it, with Debian's mosquitto_pub and mosquitto_sub at QoS 0, 1 and 2, a
 * persistent session across a subscriber restart, the HTTP endpoint, and bad configuration values.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessIT {

    static NodeProcess node;
    static int mqttPort;
    static int httpPort;

    @BeforeAll
    static void start() throws Exception {
        node = NodeProcess.start(List.of("--mqtt-port", "0", "--http-port", "0", "--cluster-port", "0",
                "--cluster-name", "proc-" + UUID.randomUUID(), "--node-name", "proc-node"), Map.of());
        int[] ports = node.awaitListening(60);
        mqttPort = ports[0];
        httpPort = ports[1];
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    static boolean hasMosquittoClients() {
        return Files.isExecutable(Path.of("/usr/bin/mosquitto_pub")) && Files.isExecutable(Path.of("/usr/bin/mosquitto_sub"));
    }

    static Process sub(String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-v", "-W", "20"));
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    static void pub(String topic, String message, int qos) throws Exception {
        Process p = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-t", topic,
                "-m", message, "-q", String.valueOf(qos)).redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    static List<String> lines(Process p, int n) throws Exception {
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (out.size() < n && (line = r.readLine()) != null) {
                out.add(line);
            }
        }
        p.waitFor(20, TimeUnit.SECONDS);
        return out;
    }

    /** Waits until the subscriber's subscription is in place, by publishing a marker until it arrives. */
    static void awaitSubscribed(Process sub, String topic) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(sub.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            pub(topic, "ready", 0);
            long until = System.currentTimeMillis() + 300;
            while (System.currentTimeMillis() < until) {
                if (sub.getInputStream().available() > 0) {
                    String line = r.readLine();
                    if (line != null && line.endsWith(" ready")) {
                        return;
                    }
                }
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("subscriber never became ready");
    }

    @Test
    void mosquittoClients_publishAndSubscribeAtQos012() throws Exception {
        assumeTrue(hasMosquittoClients(), "mosquitto-clients not installed");
        Process sub = sub("-t", "proc/#", "-q", "2", "-C", "4");
        awaitSubscribed(sub, "proc/ready");
        for (int q = 0; q <= 2; q++) {
            pub("proc/q" + q, "hello-" + q, q);
        }
        assertThat(lines(sub, 3)).containsExactly("proc/q0 hello-0", "proc/q1 hello-1", "proc/q2 hello-2");
    }

    @Test
    void mosquittoClients_persistentSessionGetsWhatWasPublishedWhileStopped() throws Exception {
        assumeTrue(hasMosquittoClients(), "mosquitto-clients not installed");
        Process first = sub("-t", "persist/#", "-q", "2", "-c", "-i", "proc-dev1", "-C", "1");
        awaitSubscribed(first, "persist/ready");
        first.destroy();
        first.waitFor(10, TimeUnit.SECONDS);
        pub("persist/a", "while-away-1", 1);
        pub("persist/a", "while-away-2", 2);
        pub("persist/a", "while-away-qos0", 0); // QoS 0 is not kept for offline sessions
        Process again = sub("-t", "persist/#", "-q", "2", "-c", "-i", "proc-dev1", "-C", "2");
        assertThat(lines(again, 2)).containsExactly("persist/a while-away-1", "persist/a while-away-2");
    }

    @Test
    void httpEndpoint_servesHealthAndMetrics() throws Exception {
        try (io.mqttcluster.broker.testing.RawClient raw = new io.mqttcluster.broker.testing.RawClient(mqttPort)) {
            raw.send(io.mqttcluster.broker.testing.RawClient.connect("metrics-probe", true, 30));
            raw.read();
        }
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health/live")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("mqtt_connections{", "mqtt_messages_received_total{", "mqtt_cluster_members{",
                "jvm_memory_used_bytes", "mqtt_network_received_bytes_total", "mqtt_network_sent_bytes_total");
    }

    @Test
    void badConfigValue_stopsStartup_namingTheKey() throws Exception {
        try (NodeProcess bad = NodeProcess.start(List.of("--mqtt-port", "not-a-number"), Map.of())) {
            assertThat(bad.awaitExit(30)).isEqualTo(2);
            assertThat(bad.allOutput()).contains("mqtt.port").contains("whole number");
        }
        try (NodeProcess bad = NodeProcess.start(List.of(), Map.of("MQTTC_MQTT_MAX_INFLIGHT", "0"))) {
            assertThat(bad.awaitExit(30)).isEqualTo(2);
            assertThat(bad.allOutput()).contains("mqtt.max-inflight");
        }
        try (NodeProcess bad = NodeProcess.start(List.of(), Map.of("MQTTC_NO_SUCH_KEY", "1"))) {
            assertThat(bad.awaitExit(30)).isEqualTo(2);
            assertThat(bad.allOutput()).contains("MQTTC_NO_SUCH_KEY");
        }
        Path yaml = Files.createTempFile("broker", ".yaml");
        Files.writeString(yaml, "mqtt:\n  port: 1883\n  max-qoss: 1\n");
        try (NodeProcess bad = NodeProcess.start(List.of("--config", yaml.toString()), Map.of())) {
            assertThat(bad.awaitExit(30)).isEqualTo(2);
            assertThat(bad.allOutput()).contains("mqtt.max-qoss").contains("unknown key");
        } finally {
            Files.deleteIfExists(yaml);
        }
    }

    @Test
    void help_listsTheKeys() throws Exception {
        try (NodeProcess help = NodeProcess.start(List.of("--help"), Map.of())) {
            assertThat(help.awaitExit(30)).isZero();
            assertThat(help.allOutput()).contains("--mqtt-port", "mqtt.max-inflight", "MQTTC_MQTT_PORT");
        }
    }
}
