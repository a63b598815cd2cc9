package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.config.ConfigException;
import io.mqttcluster.broker.testing.Closer;
import io.mqttcluster.broker.testing.NetnsLab;
import io.mqttcluster.broker.testing.Scrape;
import io.mqttcluster.broker.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The node's HTTP admin calls as an operator and a stranger on the network see them: actions answer POST only;
 * without a token configured they are served to the node's own machine only; with one, every caller needs it,
 * and a read-only token reads but does not drain. /metrics and /health stay open.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AdminAccessIT {

    private static final String ADMIN = "admin-token-0123456789abcdef";
    private static final String VIEWER = "viewer-token-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    private BrokerNode node(Map<String, String> overrides) throws Exception {
        BrokerNode n = TestNode.start(overrides);
        open.keep(n::stop);
        return n;
    }

    @Test
    void withoutATokenActionsAreServedToTheNodesOwnMachineOnly() throws Exception {
        String why = NetnsLab.unavailableReason();
        assumeTrue(why == null, "needs a network namespace for a caller from elsewhere: " + why);
        NetnsLab lab = NetnsLab.create(1);
        open.keep(lab);
        BrokerNode node = node(Map.of("http.host", "0.0.0.0"));
        String fromElsewhere = "http://10.77.0.1:" + node.httpPort();

        assertThat(curl(lab, "POST", fromElsewhere + "/admin/drain")).isEqualTo("403");
        assertThat(curl(lab, "GET", fromElsewhere + "/clients/truck-4711")).isEqualTo("403");
        assertThat(curl(lab, "GET", fromElsewhere + "/metrics")).isEqualTo("200");
        assertThat(curl(lab, "GET", fromElsewhere + "/health/ready")).as("not drained").isEqualTo("200");

        String local = "http://127.0.0.1:" + node.httpPort();
        assertThat(send("GET", local + "/admin/drain", null).statusCode()).as("GET never drains").isEqualTo(405);
        assertThat(send("GET", local + "/health/ready", null).statusCode()).isEqualTo(200);
        assertThat(send("POST", local + "/admin/drain", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", local + "/health/ready", null).statusCode()).isEqualTo(503);
        assertThat(send("POST", local + "/admin/undrain", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", local + "/health/ready", null).statusCode()).as("undrained").isEqualTo(200);
        assertThat(Scrape.sum(Scrape.metrics(node.httpPort()), "mqtt_http_admin_refused_total")).isEqualTo(2.0);
    }

    @Test
    void withTokensEveryCallerNeedsOne_andTheReadTokenDoesNotDrain() throws Exception {
        Path admin = Files.writeString(dir.resolve("admin-token"), ADMIN + "\n");
        Path viewer = Files.writeString(dir.resolve("read-token"), VIEWER);
        BrokerNode node = node(Map.of("http.admin-token-file", admin.toString(), "http.read-token-file", viewer.toString()));
        String url = "http://127.0.0.1:" + node.httpPort();

        HttpResponse<String> none = send("POST", url + "/admin/drain", null);
        assertThat(none.statusCode()).as("loopback is not enough once a token is set").isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(send("POST", url + "/admin/drain", "wrong-token-0123456789").statusCode()).isEqualTo(401);
        assertThat(send("POST", url + "/admin/drain", VIEWER).statusCode()).isEqualTo(403);
        assertThat(send("GET", url + "/health/ready", null).statusCode()).as("still taking clients").isEqualTo(200);

        assertThat(send("GET", url + "/clients/truck-4711", null).statusCode()).isEqualTo(401);
        assertThat(send("GET", url + "/clients/truck-4711", VIEWER).statusCode()).as("read, not connected").isEqualTo(404);
        assertThat(send("GET", url + "/clients/truck-4711", ADMIN).statusCode()).isEqualTo(404);

        assertThat(send("POST", url + "/admin/drain", ADMIN).statusCode()).isEqualTo(200);
        assertThat(send("GET", url + "/health/ready", null).statusCode()).isEqualTo(503);
        assertThat(send("POST", url + "/admin/undrain", ADMIN).statusCode()).isEqualTo(200);
        assertThat(send("GET", url + "/health/ready", null).statusCode()).isEqualTo(200);
        assertThat(Scrape.sum(Scrape.metrics(node.httpPort()), "mqtt_http_admin_refused_total")).isEqualTo(4.0);
    }

    @Test
    void aShortOrMissingTokenFileStopsStartUp_namingTheKey() throws Exception {
        Path shortToken = Files.writeString(dir.resolve("short"), "abc");
        assertThatThrownBy(() -> TestNode.start(Map.of("http.admin-token-file", shortToken.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.admin-token-file").hasMessageContaining("16");
        assertThatThrownBy(() -> TestNode.start(Map.of("http.read-token-file", dir.resolve("missing").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.read-token-file");
    }

    private static HttpResponse<String> send(String method, String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The HTTP status curl gets from inside the lab's host 1 (10.77.0.11). */
    private static String curl(NetnsLab lab, String method, String url) throws Exception {
        NetnsLab.Result r = lab.exec(1, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10", "-X", method, url);
        assertThat(r.exit()).as(r.output()).isZero();
        return r.output().trim();
    }
}
