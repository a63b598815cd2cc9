package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.NetnsLab;
import io.mqttcluster.broker.testing.NodeProcess;
import io.mqttcluster.broker.testing.Paho;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real network partition: three nodes as processes, each in its own network namespace on a bridge; the
 * link of node 3 is cut. The minority refuses connections (0x03) and reports not-ready; the majority keeps
 * working and acknowledges QoS 1; after the link comes back the cluster merges and nothing acknowledged
 * is lost: the persistent session whose node was cut off gets every message on reconnect.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PartitionIT {

    static final int MQTT = 1883;
    static final int HTTP = 8080;

    @Test
    void partition_minorityRefuses_majorityWorks_nothingAcknowledgedIsLostAfterTheHeal() throws Exception {
        String why = NetnsLab.unavailableReason();
        assumeTrue(why == null, "partition test skipped: " + why);
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mosquitto_pub")), "partition test skipped: mosquitto-clients not installed");
        String name = "part-" + UUID.randomUUID();
        String members = "10.77.0.11:5701,10.77.0.12:5701,10.77.0.13:5701";
        List<NodeProcess> nodes = new ArrayList<>();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        try (NetnsLab lab = NetnsLab.create(3)) {
            for (int i = 1; i <= 3; i++) {
                String addr = NetnsLab.address(i);
                List<String> cmd = lab.inside(i, List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                        "-jar", NodeProcess.jar().toString(),
                        "--mqtt-host", addr, "--mqtt-port", String.valueOf(MQTT), "--http-host", addr,
                        "--http-port", String.valueOf(HTTP), "--cluster-host", addr, "--cluster-port", "5701",
                        "--cluster-members", members, "--cluster-name", name, "--cluster-size", "3",
                        "--node-name", "part" + i, "--set", "mqtt.event-loops=1"));
                NodeProcess p = NodeProcess.startCommand(cmd, Map.of());
                nodes.add(p);
                p.awaitListening(90);
            }
            for (int i = 1; i <= 3; i++) {
                int host = i;
                await().atMost(60, TimeUnit.SECONDS).until(() -> members(http, host) == 3);
            }

            // a persistent session on node 3, which is about to be cut off
            try (Paho dev = Paho.connect(NetnsLab.address(3), MQTT, "part-dev", false)) {
                dev.subscribe("part/#", 1);
            }
            Paho majoritySub = Paho.connect(NetnsLab.address(1), MQTT, "part-sub1", false).subscribe("part/#", 1);

            lab.cut(3);
            await().atMost(30, TimeUnit.SECONDS).until(() -> members(http, 1) == 2 && members(http, 2) == 2);

            // the minority refuses new connections with 0x03 and says it is not ready
            await().atMost(30, TimeUnit.SECONDS).until(() -> {
                NetnsLab.Result r = lab.exec(3, "mosquitto_pub", "-h", NetnsLab.address(3), "-p", String.valueOf(MQTT),
                        "-t", "part/minority", "-m", "x", "-q", "1");
                return r.exit() != 0 && r.output().toLowerCase().contains("unavailable");
            });
            // store writes fail as soon as the quorum of recently active members is lost; the node's own member
            // list (what readiness reports) shrinks once the heartbeats of the others have timed out
            await().atMost(30, TimeUnit.SECONDS).until(() -> lab.exec(3, "bash", "-c", "exec 3<>/dev/tcp/"
                    + NetnsLab.address(3) + "/" + HTTP + "; printf 'GET /health/ready HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3")
                    .output().contains("503"));

            // the majority keeps working: every publish is acknowledged and delivered
            List<String> acknowledged = new ArrayList<>();
            try (Paho pub = Paho.connect(NetnsLab.address(2), MQTT, "part-pub", true)) {
                for (int i = 0; i < 100; i++) {
                    pub.publish("part/t", "during-" + i, 1, false);
                    acknowledged.add("during-" + i);
                }
            }
            Set<String> onMajority = new HashSet<>();
            Paho.Received r;
            while (onMajority.size() < 100 && (r = majoritySub.next(10_000)) != null) {
                onMajority.add(r.payload());
            }
            assertThat(onMajority).containsAll(acknowledged);

            lab.heal(3);
            for (int i = 1; i <= 3; i++) {
                int host = i;
                await().atMost(90, TimeUnit.SECONDS).until(() -> members(http, host) == 3);
            }
            // once merged, node 3 serves again and the session cut off with it has every acknowledged message
            Paho resumed = null;
            long deadline = System.currentTimeMillis() + 60_000;
            while (resumed == null && System.currentTimeMillis() < deadline) {
                try {
                    resumed = Paho.connect(NetnsLab.address(3), MQTT, "part-dev", false);
                } catch (Exception e) {
                    await().pollDelay(500, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> true);
                }
            }
            assertThat(resumed).as("node 3 accepts connections after the heal").isNotNull();
            Set<String> got = new HashSet<>();
            while (got.size() < 100 && (r = resumed.next(10_000)) != null) {
                got.add(r.payload());
            }
            assertThat(got).containsAll(acknowledged);
            // and routing works from the merged node to the others
            try (Paho pub3 = Paho.connect(NetnsLab.address(3), MQTT, "part-pub3", true)) {
                pub3.publish("part/t", "after-heal", 1, false);
            }
            Paho.Received last = null;
            while ((r = majoritySub.next(10_000)) != null) {
                last = r;
                if (r.payload().equals("after-heal")) {
                    break;
                }
            }
            assertThat(last).isNotNull();
            assertThat(last.payload()).isEqualTo("after-heal");
            System.out.printf("partition result: acknowledged on the majority during the split=%d, delivered there=%d, "
                    + "delivered to the cut-off session after the heal=%d%n", acknowledged.size(), onMajority.size(), got.size());
            resumed.close();
            majoritySub.close();
        } finally {
            for (NodeProcess p : nodes) {
                p.kill();
            }
        }
    }

    static int members(HttpClient http, int host) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + NetnsLab.address(host) + ":" + HTTP + "/status"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            String body = r.body();
            int k = body.indexOf("\"clusterMembers\":");
            return Integer.parseInt(body.substring(k + 17).replaceAll("[^0-9].*$", ""));
        } catch (Exception e) {
            return -1;
        }
    }
}
