package io.mqttcluster.broker.ctl;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI's own behaviour against a local HTTP server that answers the admin API contract's JSON: tables,
 * {@code --json} passthrough, paging, exit codes and argument errors.
 */
@Timeout(30)
class CtlTest {

    /** A canned answer: status and body. */
    private record Canned(int status, String body) {
    }

    private HttpServer server;
    private final Map<String, Canned> answers = new ConcurrentHashMap<>();
    /** "METHOD path?query auth" of each request, in order. */
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private String url;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String target = ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
            requests.add(ex.getRequestMethod() + " " + target + " " + ex.getRequestHeaders().getFirst("Authorization"));
            Canned c = answers.getOrDefault(ex.getRequestMethod() + " " + target, new Canned(404, "{\"error\":\"no route in test\"}"));
            byte[] body = c.body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("content-type", "application/json");
            ex.sendResponseHeaders(c.status, body.length == 0 ? -1 : body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    /** The outcome of one run. */
    private record Run(int code, String out, String err) {
    }

    private Run ctl(String... args) {
        return ctlWithEnv(Map.of("MQTTC_CTL_URL", url), args);
    }

    private static Run ctlWithEnv(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Ctl.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static final String CLIENTS_PAGE = """
            {"items": [
              {"clientId": "sensor-1", "connected": true, "node": "n1", "protocolVersion": 4, "user": "alice",
               "persistent": true, "queued": 0, "subscriptions": 2, "connectedAt": "2026-12-07T23:00:00Z", "expiresAt": null},
              {"clientId": "a-much-longer-client-id", "connected": false, "node": null, "protocolVersion": 5, "user": null,
               "persistent": true, "queued": 1234, "subscriptions": 1, "connectedAt": null, "expiresAt": "2026-12-08T23:00:00Z"}
            ], "next": null}""";

    @Test
    void clientsList_table_columnsAlignedAndNullsAsDash() {
        answers.put("GET /api/v1/clients", new Canned(200, CLIENTS_PAGE));

        Run r = ctl("clients", "list");

        assertThat(r.code).isZero();
        String[] lines = r.out.split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("CLIENT ID" + " ".repeat(23 - 9 + 2) + "STATE"); // as wide as the longest id
        for (String column : List.of("STATE", "NODE", "PROTOCOL", "QUEUED", "EXPIRES AT")) {
            int at = lines[0].indexOf(column);
            assertThat(at).as(column).isPositive();
            for (int i = 1; i < lines.length; i++) {
                assertThat(lines[i].charAt(at - 1)).as("%s in row %d starts its column", column, i).isEqualTo(' ');
                assertThat(lines[i].charAt(at)).as("%s in row %d", column, i).isNotEqualTo(' ');
            }
        }
        assertThat(lines[1]).contains("sensor-1", "connected", "n1", "3.1.1", "alice", "yes", "2026-12-07T23:00:00Z");
        assertThat(lines[2]).contains("a-much-longer-client-id", "offline", "5.0", "1234", "2026-12-08T23:00:00Z");
        assertThat(lines[2].split("\\s+")[2]).isEqualTo("-"); // no node
    }

    @Test
    void clientsList_filters_sentAsQueryParameters() {
        answers.put("GET /api/v1/clients?prefix=sensor%2F1&user=al%20ice&node=n1&state=offline&limit=5",
                new Canned(200, "{\"items\": [], \"next\": null}"));

        Run r = ctl("clients", "list", "--prefix", "sensor/1", "--user=al ice", "--node", "n1", "--state", "offline",
                "--limit", "5");

        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).isEqualTo("no clients\n");
    }

    @Test
    void json_anyCommand_printsTheServersDocumentUnchanged() {
        String body = "{ \"items\" : [ {\"topic\":\"a/b\",\"qos\":1,\"payloadBytes\":3,\"preview\":\"x\\u0007y\"} ],  \"next\" : \"a/b\" }";
        answers.put("GET /api/v1/retained?filter=a%2F%23", new Canned(200, body));

        Run r = ctl("retained", "--filter", "a/#", "--json");

        assertThat(r.code).isZero();
        assertThat(r.out).isEqualTo(body + "\n");
    }

    @Test
    void all_pagesThroughNext_andJsonIsOneDocument() {
        answers.put("GET /api/v1/subscriptions?limit=1", new Canned(200,
                "{\"items\":[{\"filter\":\"a/#\",\"clientId\":\"c1\",\"qos\":1,\"shareGroup\":null,\"node\":\"n1\"}],\"next\":\"a/# c1\"}"));
        answers.put("GET /api/v1/subscriptions?limit=1&after=a%2F%23%20c1", new Canned(200,
                "{\"items\":[{\"filter\":\"b\",\"clientId\":\"c2\",\"qos\":0,\"shareGroup\":\"g\",\"node\":null}],\"next\":null}"));

        Run table = ctl("subscriptions", "--limit", "1", "--all");
        Run json = ctl("subscriptions", "--limit", "1", "--all", "--json");
        Run onePage = ctl("subscriptions", "--limit", "1");

        assertThat(table.code).as(table.err).isZero();
        assertThat(table.out.split("\n")).hasSize(3);
        assertThat(table.out).contains("a/#", "c1", "b", "c2", "g").doesNotContain("more");
        assertThat(new io.vertx.core.json.JsonObject(json.out.strip()).getJsonArray("items")).hasSize(2);
        assertThat(json.out.strip()).endsWith("\"next\":null}");
        assertThat(onePage.out).contains("(more: --after a/# c1, or --all for every page)");
    }

    @Test
    void clientsShow_pairsThenSubscriptionsTable() {
        answers.put("GET /api/v1/clients/dev%2F1%20x", new Canned(200, """
                {"clientId": "dev/1 x", "connected": true, "node": "n2", "nodeId": "uuid-2", "protocolVersion": 5,
                 "user": null, "remote": "127.0.0.1:5555", "connectedAt": "2026-12-07T23:00:00Z", "keepAliveSeconds": 30,
                 "persistent": true, "sessionExpirySeconds": null, "expiresAt": null, "queued": 7, "inflight": 2,
                 "subscriptions": [{"filter": "a/+/c", "qos": 2, "noLocal": true, "retainAsPublished": false,
                                    "retainHandling": 0, "subscriptionId": 9}],
                 "will": {"topic": "dev/1/status", "qos": 1, "retain": true, "delaySeconds": 5, "payloadBytes": 7}}"""));

        Run r = ctl("clients", "show", "dev/1 x");

        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("client id:       dev/1 x\n", "node:            n2 (uuid-2)\n", "session expiry:  never\n",
                "queued:          7\n", "inflight:        2\n", "will:            dev/1/status (qos 1, retained, delay 5 s, 7 bytes)\n",
                "user:            -\n");
        assertThat(r.out).containsPattern("FILTER +QOS +NO LOCAL +RETAIN AS PUBLISHED +RETAIN HANDLING +SUBSCRIPTION ID\n"
                + "a/\\+/c +2 +yes +no +0 +9\n");
    }

    @Test
    void actions_printWhatWasDone() {
        answers.put("POST /api/v1/clients/c%231/kick", new Canned(200, "{\"clientId\":\"c#1\",\"kicked\":true,\"node\":\"n3\"}"));
        answers.put("DELETE /api/v1/sessions/c%231", new Canned(200, "{\"clientId\":\"c#1\",\"deleted\":true}"));
        answers.put("POST /api/v1/nodes/n2/drain", new Canned(200, "{\"node\":\"n2\",\"draining\":true}"));
        answers.put("POST /api/v1/nodes/n2/undrain", new Canned(200, "{\"node\":\"n2\",\"draining\":false}"));

        assertThat(ctl("clients", "kick", "c#1").out).isEqualTo("kicked c#1 on node n3\n");
        assertThat(ctl("sessions", "delete", "c#1").out).isEqualTo("deleted the session of c#1\n");
        assertThat(ctl("node", "drain", "n2").out).isEqualTo("node n2 is draining: it takes no new clients\n");
        assertThat(ctl("node", "undrain", "n2", "--json").out).isEqualTo("{\"node\":\"n2\",\"draining\":false}\n");
    }

    @Test
    void clusterStatus_summaryAndMembersTable() {
        answers.put("GET /api/v1/cluster", new Canned(200, """
                {"self": "n1", "members": [
                   {"name": "n1", "id": "i1", "self": true, "ready": true, "draining": false, "connections": 3,
                    "messagesIn": 100, "messagesOut": 250, "reachable": true},
                   {"name": "n2", "id": "i2", "self": false, "ready": false, "draining": true, "connections": 0,
                    "messagesIn": 5, "messagesOut": 6, "reachable": true}],
                 "quorum": {"members": 2, "required": 2, "ok": true}, "partitionsSafe": true,
                 "sessions": {"total": 4, "offline": 1}, "grafanaUrl": null}"""));

        Run r = ctl("cluster", "status");

        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("quorum:       ok (2 members, 2 required)\n", "sessions:     4 (1 offline)\n",
                "grafana:      -\n").doesNotContain("cluster:");
        assertThat(r.out).containsPattern("n1 +i1 +\\* +yes +no +yes +3 +100 +250\n");
        assertThat(r.out).containsPattern("n2 +i2 +no +yes +yes +0 +5 +6\n");
    }

    @Test
    void gateway_routeAndNodes_fromTheGatewayAddress() {
        answers.put("GET /route?client_id=c%201", new Canned(200,
                "{\"client_id\":\"c 1\",\"node\":\"b:1883\",\"order\":[\"b:1883\",\"a:1883\"],\"reason\":\"hash\"}"));
        answers.put("GET /nodes", new Canned(200, "[{\"node\":\"a:1883\",\"host\":\"a\",\"mqtt_port\":1883,\"http_port\":8081,"
                + "\"state\":\"up\",\"healthy\":true,\"draining\":false,\"retired\":false,\"connections\":4}]"));
        Map<String, String> env = Map.of("MQTTC_CTL_URL", "http://127.0.0.1:1");

        Run route = ctlWithEnv(env, "gateway", "route", "c 1", "--gateway", url);
        Run nodes = ctlWithEnv(env, "gateway", "nodes", "--gateway", url);

        assertThat(route.code).as(route.err).isZero();
        assertThat(route.out).contains("node:       b:1883\n", "fallbacks:  a:1883\n");
        assertThat(nodes.out).containsPattern("a:1883 +a +1883 +8081 +up +yes +no +no +4\n");
    }

    @Test
    void httpStatuses_mapToExitCodes() {
        Map<Integer, Integer> expected = Map.of(400, 2, 401, 4, 403, 4, 404, 3, 409, 5, 500, 1, 503, 1, 405, 1);
        Map<Integer, Integer> seen = new HashMap<>();
        expected.keySet().forEach(status -> {
            answers.put("GET /api/v1/cluster", new Canned(status, "{\"error\": \"because " + status + "\"}"));
            Run r = ctl("cluster", "status");
            seen.put(status, r.code);
            assertThat(r.err).contains("HTTP " + status, "because " + status);
            assertThat(r.out).isEmpty();
        });
        assertThat(seen).isEqualTo(expected);
        answers.put("GET /api/v1/cluster", new Canned(200, "<html>not json</html>"));
        assertThat(ctl("cluster", "status").code).isEqualTo(1);
    }

    @Test
    void unreachableServer_exitsOne() {
        server.stop(0);
        Run r = ctl("cluster", "status", "--timeout", "2s");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).contains("cannot connect to " + url);
    }

    @Test
    void usageErrors_exitTwo_withoutCallingTheServer() {
        List<String[]> bad = List.of(
                new String[]{},
                new String[]{"clients"},
                new String[]{"clients", "lst"},
                new String[]{"clients", "show"},
                new String[]{"clients", "show", "a", "b"},
                new String[]{"clients", "list", "--bogus"},
                new String[]{"clients", "list", "--limit"},
                new String[]{"clients", "list", "--limit", "0"},
                new String[]{"clients", "list", "--limit", "x"},
                new String[]{"clients", "list", "--state", "gone"},
                new String[]{"clients", "kick", "a", "--prefix", "p"},
                new String[]{"retained", "--client", "c"},
                new String[]{"cluster", "status", "--timeout", "soon"},
                new String[]{"cluster", "status", "--url", "ftp://x"},
                new String[]{"cluster", "status", "--json=yes"},
                new String[]{"cluster", "status", "--token-file", "/nonexistent/token"});
        List<String> codes = new ArrayList<>();
        for (String[] args : bad) {
            Run r = ctl(args);
            codes.add(String.join(" ", args) + " -> " + r.code);
            assertThat(r.err).as(String.join(" ", args)).isNotEmpty();
        }
        assertThat(codes).allMatch(c -> c.endsWith("-> 2"));
        assertThat(requests).isEmpty();
    }

    @Test
    void help_listsCommandsAndExitCodes() {
        Run r = ctl("--help");
        assertThat(r.code).isZero();
        assertThat(r.out).contains("clients list", "gateway route", "3  not found (HTTP 404)", "5  conflict (HTTP 409)");
    }

    @Test
    void tokenFile_sentAsBearer_andDashDashEndsOptions(@TempDir Path dir) throws IOException {
        Path token = Files.writeString(dir.resolve("token"), "s3cret-token-value-1234\n");
        answers.put("POST /api/v1/clients/--odd/kick", new Canned(200, "{\"clientId\":\"--odd\",\"kicked\":true,\"node\":\"n1\"}"));

        Run r = ctlWithEnv(Map.of("MQTTC_CTL_URL", url, "MQTTC_CTL_TOKEN_FILE", token.toString()), "clients", "kick", "--", "--odd");

        assertThat(r.code).as(r.err).isZero();
        assertThat(requests).containsExactly("POST /api/v1/clients/--odd/kick Bearer s3cret-token-value-1234");
    }

    @Test
    void table_controlCharactersFromTheServer_areNotPrinted() {
        answers.put("GET /api/v1/clients", new Canned(200, "{\"items\":[{\"clientId\":\"evil\\u001b[2J\\r\\nid\",\"connected\":false}],\"next\":null}"));

        Run r = ctl("clients", "list");

        assertThat(r.code).isZero();
        assertThat(r.out).doesNotContain("\u001b", "\r").contains("evil?[2J??id");
    }
}
