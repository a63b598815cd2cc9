package io.mqttcluster.broker.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Serves the web console: the files under {@code console/} on the classpath at {@code /console/} (and
 * {@code /console} redirects there), GET and HEAD only. A file name is one path segment of letters, digits,
 * '-', '_' and one extension from {@link #TYPES}: nothing else is looked up, so no path can leave the folder.
 * Files are read once (off the event loop) and kept; each answer carries an ETag and {@code no-cache}, so a
 * browser asks again after an upgrade and gets 304 while nothing changed. The files hold no data; the console
 * reads everything from {@code /api/v1}, which checks the caller's rights.
 */
public final class ConsoleFiles {

    static final String PREFIX = "/console/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}\\.[a-z]{2,4}");
    static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon");
    /** Scripts, styles and API calls from this node only; no inline script, no framing. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** A file as served. */
    private record File(Buffer body, String type, String etag) {
    }

    private final Map<String, File> files = new ConcurrentHashMap<>();

    /** Answers the request when it is the console's; false (nothing sent) for any other path. */
    public boolean serve(HttpServerRequest req, Vertx vertx) {
        String path = req.path();
        if (!path.equals("/console") && !path.startsWith(PREFIX)) {
            return false;
        }
        HttpServerResponse res = req.response();
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            res.setStatusCode(405).putHeader("Allow", "GET, HEAD").end();
            return true;
        }
        if (path.equals("/console")) {
            res.setStatusCode(301).putHeader("Location", PREFIX).end();
            return true;
        }
        String name = path.length() == PREFIX.length() ? "index.html" : path.substring(PREFIX.length());
        int dot = name.lastIndexOf('.');
        if (!NAME.matcher(name).matches() || !TYPES.containsKey(name.substring(dot + 1))) {
            notFound(res);
            return true;
        }
        File cached = files.get(name);
        if (cached != null) {
            send(req, cached);
            return true;
        }
        req.pause();
        vertx.executeBlocking(() -> load(name), false).onComplete(ar -> {
            req.resume();
            if (ar.failed()) {
                res.setStatusCode(500).end();
            } else if (ar.result() == null) {
                notFound(res);
            } else {
                files.put(name, ar.result());
                send(req, ar.result());
            }
        });
        return true;
    }

    private static File load(String name) throws IOException, NoSuchAlgorithmException {
        try (InputStream in = ConsoleFiles.class.getClassLoader().getResourceAsStream("console/" + name)) {
            if (in == null) {
                return null;
            }
            byte[] bytes = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return new File(Buffer.buffer(bytes), TYPES.get(name.substring(name.lastIndexOf('.') + 1)),
                    "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
        }
    }

    private static void send(HttpServerRequest req, File f) {
        HttpServerResponse res = req.response()
                .putHeader("Cache-Control", "no-cache")
                .putHeader("ETag", f.etag)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Content-Security-Policy", CSP);
        if (f.etag.equals(req.getHeader("If-None-Match"))) {
            res.setStatusCode(304).end();
            return;
        }
        res.putHeader("Content-Type", f.type);
        if (req.method() == HttpMethod.HEAD) {
            res.putHeader("Content-Length", String.valueOf(f.body.length())).end();
        } else {
            res.end(f.body);
        }
    }

    private static void notFound(HttpServerResponse res) {
        res.setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8").end("not found\n");
    }
}
