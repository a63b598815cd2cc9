package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.NodeProcess;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.ProcessCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java -jar broker-node.jar ctl ...} as a script runs it, against a real node whose admin API wants a token:
 * the table and {@code --json} output, and the exit codes 0 (done), 3 (not found) and 4 (refused).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CtlIT {

    private static final String CLIENT = "ctl-it-client";

    private Path dir;
    private Path token;
    private ProcessCluster cluster;
    private Paho client;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        token = Files.writeString(dir.resolve("admin-token"), "ctl-it-admin-token-0123456789\n");
        cluster = ProcessCluster.start(1, java.util.Map.of("http.admin-token-file", token.toString()));
        client = Paho.connect(cluster.mqttPort(0), CLIENT, false).subscribe("ctl/it/#", 1);
    }

    @AfterAll
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** One finished run of the CLI process. */
    private record Run(int code, String out, String err) {
    }

    private Run ctl(boolean withToken, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", NodeProcess.jar().toString(), "ctl", "--url", "http://127.0.0.1:" + cluster.httpPort(0)));
        if (withToken) {
            cmd.addAll(List.of("--token-file", token.toString()));
        }
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("MQTTC_CTL_URL");
        pb.environment().remove("MQTTC_CTL_TOKEN_FILE");
        pb.directory(new File(System.getProperty("java.io.tmpdir")));
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("ctl " + String.join(" ", args) + " did not end within 60 s");
        }
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        System.out.println("ctl " + String.join(" ", args) + " -> " + r.code + "\n" + r.out + r.err);
        return r;
    }

    @Test
    void clusterStatus_tableAndJson_exitZero() throws Exception {
        Run table = ctl(true, "cluster", "status");
        assertThat(table.code).as(table.err).isZero();
        assertThat(table.out).containsPattern("NODE +ID +SELF +READY").containsPattern("\\np1 +\\S+ +\\* +yes +no +yes +1 ");

        Run json = ctl(true, "--json", "cluster", "status");
        assertThat(json.code).as(json.err).isZero();
        JsonObject doc = new JsonObject(json.out);
        assertThat(doc.getString("self")).isEqualTo("p1");
        assertThat(doc.getJsonArray("members")).hasSize(1);
    }

    @Test
    void clientsShow_connectedClient_nodeAndSubscription() throws Exception {
        Run r = ctl(true, "clients", "show", CLIENT);
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("client id:", CLIENT).containsPattern("state: +connected\n").containsPattern("node: +p1")
                .containsPattern("ctl/it/# +1 ");

        Run list = ctl(true, "clients", "list", "--prefix", "ctl-it-", "--json");
        assertThat(list.code).as(list.err).isZero();
        assertThat(new JsonObject(list.out).getJsonArray("items").getJsonObject(0).getString("clientId")).isEqualTo(CLIENT);
    }

    @Test
    void unknownClient_exitThree() throws Exception {
        Run r = ctl(true, "clients", "show", "no-such-client-anywhere");
        assertThat(r.code).as(r.out + r.err).isEqualTo(3);
        assertThat(r.err).contains("404");
    }

    @Test
    void withoutToken_exitFour() throws Exception {
        Run r = ctl(false, "clients", "list");
        assertThat(r.code).as(r.out + r.err).isEqualTo(4);
        assertThat(r.out).isEmpty();
        assertThat(r.err).contains("401");
    }
}
