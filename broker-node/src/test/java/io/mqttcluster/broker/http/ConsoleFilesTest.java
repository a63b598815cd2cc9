package io.mqttcluster.broker.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The console's files as a Vert.x server serves them: types, caching, redirect, and nothing outside the folder. */
@Timeout(30)
class ConsoleFilesTest {

    private static Vertx vertx;
    private static int port;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        ConsoleFiles files = new ConsoleFiles();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> {
            if (!files.serve(req, vertx)) {
                req.response().setStatusCode(418).end("not the console's");
            }
        });
        port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void files_servedWithTheirTypeAndRevalidatedByEtag() throws Exception {
        HttpResponse<String> index = get("/console/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(index.body()).contains("<title>mqtt-cluster console</title>");
        assertThat(index.headers().firstValue("cache-control")).hasValue("no-cache");
        assertThat(index.headers().firstValue("content-security-policy").orElseThrow()).contains("script-src 'self'");
        assertThat(get("/console/app.js").headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("/console/console.css").headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");

        String etag = index.headers().firstValue("etag").orElseThrow();
        HttpResponse<String> again = get("/console/index.html", "If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @Test
    void bareConsolePath_redirectsToTheFolder() throws Exception {
        HttpResponse<String> r = get("/console");
        assertThat(r.statusCode()).isEqualTo(301);
        assertThat(r.headers().firstValue("location")).hasValue("/console/");
    }

    @Test
    void otherPaths_leftToTheEndpoint() throws Exception {
        assertThat(get("/consoles").statusCode()).isEqualTo(418);
        assertThat(get("/metrics").statusCode()).isEqualTo(418);
    }

    @Test
    void namesOutsideTheFolderOrUnknown_notFound() throws Exception {
        for (String path : new String[]{"/console/nope.js", "/console/sub/app.js", "/console/..%2Fconsole%2Findex.html",
                "/console/%2e%2e/logback.xml", "/console/logback.xml", "/console/app.js.class", "/console/.hidden.js"}) {
            assertThat(get(path).statusCode()).as(path).isEqualTo(404);
        }
        // a raw request line: the Java client would normalise the dots away
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("GET /console/../logback.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 404").doesNotContain("<configuration");
        }
    }

    @Test
    void writes_refused() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/console/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(405);
    }
}
