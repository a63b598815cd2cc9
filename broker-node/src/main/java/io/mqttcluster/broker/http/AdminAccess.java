package io.mqttcluster.broker.http;

import io.mqttcluster.broker.config.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.atomic.LongAdder;

/**
 * Who may use the HTTP endpoint's protected calls. Two rights: READ (what a client is, from where, as whom)
 * and WRITE (drain, undrain; everything READ may). Each is granted by a bearer token read from a file
 * ({@code http.admin-token-file} grants both, {@code http.read-token-file} READ), compared in constant time.
 * A right with no token configured is granted to requests from the node's own machine only (a loopback peer
 * address), so a node out of the box cannot be drained from the network, and a shell in its container can.
 *
 * <p>The files are read at start (a missing, empty or short token stops start-up naming the key) and again
 * every {@link #RELOAD_MILLIS} on a worker thread, so a rotated Kubernetes Secret takes effect without a
 * restart; a file that cannot be read then keeps the token in force.
 */
public final class AdminAccess {

    private static final Logger log = LoggerFactory.getLogger(AdminAccess.class);
    static final long RELOAD_MILLIS = 30_000;
    static final int MIN_TOKEN_LENGTH = 16;

    /** What a call needs. */
    public enum Right { READ, WRITE }

    /** The answer to a request: allowed, or the HTTP status and a reason to send. */
    public record Decision(int status, String reason) {
        static final Decision ALLOWED = new Decision(200, null);

        public boolean allowed() {
            return this == ALLOWED;
        }
    }

    private final String adminFile;
    private final String readFile;
    private volatile byte[] adminToken;
    private volatile byte[] readToken;
    private final LongAdder refused = new LongAdder();

    private AdminAccess(String adminFile, String readFile) {
        this.adminFile = adminFile;
        this.readFile = readFile;
    }

    /** Reads the token files (blocking: at start-up). */
    public static AdminAccess load(String adminTokenFile, String readTokenFile) {
        AdminAccess a = new AdminAccess(adminTokenFile, readTokenFile);
        a.adminToken = read("http.admin-token-file", adminTokenFile);
        a.readToken = read("http.read-token-file", readTokenFile);
        return a;
    }

    /** Re-reads the token files every 30 s off the event loop. */
    public void watch(Vertx vertx) {
        if (adminFile.isBlank() && readFile.isBlank()) {
            return;
        }
        vertx.setPeriodic(RELOAD_MILLIS, id -> vertx.executeBlocking(() -> {
            adminToken = reread("http.admin-token-file", adminFile, adminToken);
            readToken = reread("http.read-token-file", readFile, readToken);
            return null;
        }, false));
    }

    private static byte[] reread(String key, String file, byte[] current) {
        try {
            return read(key, file);
        } catch (ConfigException e) {
            log.warn("event=admin_token_reload_failed key={} error=\"{}\" (the previous token stays in force)", key, e.getMessage());
            return current;
        }
    }

    private static byte[] read(String key, String file) {
        if (file.isBlank()) {
            return null;
        }
        String token;
        try {
            token = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + file + ": " + e.getMessage());
        }
        if (token.length() < MIN_TOKEN_LENGTH || token.chars().anyMatch(Character::isWhitespace)) {
            throw new ConfigException(key, file + " must hold one token of at least " + MIN_TOKEN_LENGTH
                    + " characters without spaces (e.g. the output of 'openssl rand -hex 32')");
        }
        return token.getBytes(StandardCharsets.UTF_8);
    }

    /** Requests refused for a missing or wrong token or a non-local caller. */
    public LongAdder refused() {
        return refused;
    }

    public Decision check(HttpServerRequest req, Right right) {
        byte[] write = adminToken;
        byte[] read = readToken;
        boolean tokenNeeded = write != null || (right == Right.READ && read != null);
        Decision d;
        if (!tokenNeeded) {
            d = isLoopback(req.remoteAddress()) ? Decision.ALLOWED
                    : new Decision(403, "only from the node itself unless http.admin-token-file is set");
        } else {
            byte[] given = bearer(req.getHeader("Authorization"));
            if (given == null) {
                d = new Decision(401, "a bearer token is needed");
            } else if ((write != null && MessageDigest.isEqual(given, write))
                    || (right == Right.READ && read != null && MessageDigest.isEqual(given, read))) {
                d = Decision.ALLOWED;
            } else {
                d = new Decision(right == Right.WRITE && read != null && MessageDigest.isEqual(given, read) ? 403 : 401,
                        "the token does not grant " + right.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (!d.allowed()) {
            refused.increment();
            log.info("event=admin_refused method={} path={} remote={} status={}", req.method(), req.path(), req.remoteAddress(), d.status());
        }
        return d;
    }

    /**
     * Answers 405 (another method) or 401/403 (without the right) on the request; true when the call may go on.
     */
    public boolean allowed(HttpServerRequest req, io.vertx.core.http.HttpMethod method, Right right) {
        if (req.method() != method) {
            req.response().setStatusCode(405).putHeader("Allow", method.name()).end();
            return false;
        }
        Decision d = check(req, right);
        if (d.allowed()) {
            return true;
        }
        if (d.status() == 401) {
            req.response().putHeader("WWW-Authenticate", "Bearer realm=\"mqtt-cluster\"");
        }
        req.response().setStatusCode(d.status()).putHeader("content-type", "application/json")
                .end(new io.vertx.core.json.JsonObject().put("error", d.reason()).encode());
        return false;
    }

    private static byte[] bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isLoopback(SocketAddress remote) {
        if (remote == null || remote.hostAddress() == null) {
            return false;
        }
        try {
            return InetAddress.getByName(remote.hostAddress()).isLoopbackAddress(); // a literal: no DNS lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
