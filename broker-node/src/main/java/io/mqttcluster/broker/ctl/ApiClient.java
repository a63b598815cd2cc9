package io.mqttcluster.broker.ctl;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The HTTP side of {@code ctl}: one call to a node's admin API (or a gateway's view), with the bearer token when
 * there is one. A status other than 2xx becomes a {@link CallFailed} carrying the exit code for it
 * ({@link #exitCode(int)}), and the server's {@code {"error": ...}} text when it sent one.
 */
final class ApiClient {

    /** A call that did not succeed; {@code exitCode} is what the process ends with. */
    static final class CallFailed extends RuntimeException {
        final int exitCode;

        CallFailed(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    /** A successful answer: its status and body as sent. */
    record Answer(int status, String body) {
        JsonObject json() {
            try {
                return new JsonObject(body);
            } catch (DecodeException | ClassCastException e) {
                throw new CallFailed(Ctl.EXIT_ERROR, "the server did not answer JSON: " + abbreviate(body));
            }
        }
    }

    private final HttpClient http;
    private final String base;
    private final String token;
    private final Duration timeout;

    ApiClient(URI base, String token, Duration timeout) {
        String b = base.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * The exit code for an HTTP status: 3 not found, 4 refused, 5 conflict, 2 for a parameter the server
     * refused (400), 1 for anything else.
     */
    static int exitCode(int status) {
        return switch (status) {
            case 400 -> Ctl.EXIT_USAGE;
            case 401, 403 -> Ctl.EXIT_REFUSED;
            case 404 -> Ctl.EXIT_NOT_FOUND;
            case 409 -> Ctl.EXIT_CONFLICT;
            default -> status >= 200 && status < 300 ? Ctl.EXIT_OK : Ctl.EXIT_ERROR;
        };
    }

    Answer get(String path, Map<String, String> query) {
        return send("GET", path + queryString(query));
    }

    Answer post(String path) {
        return send("POST", path);
    }

    Answer delete(String path) {
        return send("DELETE", path);
    }

    /** One path segment, percent-encoded (a client id may hold '/', '?', '#', spaces). */
    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String queryString(Map<String, String> query) {
        StringJoiner j = new StringJoiner("&", "?", "").setEmptyValue("");
        query.forEach((k, v) -> {
            if (v != null) {
                j.add(segment(k) + "=" + segment(v));
            }
        });
        return j.toString();
    }

    private Answer send(String method, String pathAndQuery) {
        URI uri = URI.create(base + pathAndQuery);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json")
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new CallFailed(Ctl.EXIT_ERROR, "no answer from " + uri + " within " + timeout.toMillis() + " ms");
        } catch (ConnectException e) {
            throw new CallFailed(Ctl.EXIT_ERROR, "cannot connect to " + base + " ("
                    + (e.getMessage() == null ? "connection refused" : e.getMessage()) + ")");
        } catch (IOException e) {
            throw new CallFailed(Ctl.EXIT_ERROR, "call to " + uri + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailed(Ctl.EXIT_ERROR, "interrupted");
        }
        int code = exitCode(r.statusCode());
        if (code != Ctl.EXIT_OK) {
            throw new CallFailed(code, "HTTP " + r.statusCode() + " from " + method + " " + uri.getRawPath() + ": "
                    + errorText(r.body()));
        }
        return new Answer(r.statusCode(), r.body());
    }

    /** The {@code error} field of a JSON error body, else the body itself, shortened. */
    static String errorText(String body) {
        if (body == null || body.isBlank()) {
            return "(no message)";
        }
        try {
            String e = new JsonObject(body).getString("error");
            if (e != null) {
                return Table.clean(e);
            }
        } catch (RuntimeException notJson) {
            // plain text
        }
        return abbreviate(body.strip());
    }

    private static String abbreviate(String s) {
        String c = Table.clean(s);
        return c.length() > 200 ? c.substring(0, 200) + "..." : c;
    }
}
