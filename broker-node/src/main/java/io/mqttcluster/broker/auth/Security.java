package io.mqttcluster.broker.auth;

import io.mqttcluster.broker.mqtt.Refusal;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Who may connect (the password file, anonymous access, client certificates) and what they may touch
 * (the ACL file), reloaded when the files change or on SIGHUP.
 *
 * <p>Password checks are PBKDF2, slow on purpose, so they run on a small worker pool, never on an event
 * loop; a password that passed is remembered (as an HMAC under a key that lives only in this process's
 * memory) until the password file changes, so a reconnecting fleet costs one slow check per device and
 * node. At most {@link #MAX_PENDING_CHECKS} checks wait at a time; beyond that a CONNECT is answered
 * "server unavailable" at once rather than queued behind a flood of wrong passwords.
 *
 * <p>Thread-safe. The rules are one immutable snapshot swapped on reload; every reader sees either the
 * old or the new one.
 */
public final class Security {

    private static final Logger log = LoggerFactory.getLogger(Security.class);
    static final int MAX_PENDING_CHECKS = 1000;

    /** How a CONNECT's credentials were judged, and the user name the rules then know the client by. */
    public record Verdict(Refusal refusal, String user) {
        public boolean accepted() {
            return refusal == null;
        }
    }

    /** One consistent set of rules. */
    public record Rules(PasswordFile passwords, Acl acl, String digest, long version) {
    }

    private final boolean allowAnonymous;
    private final boolean identityAsUser;
    private final Path passwordPath;
    private final Path aclPath;
    private final boolean aclDefaultAllow;
    private final WorkerExecutor hashing;
    private final byte[] cacheKey = new byte[32];
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
    private final AtomicInteger pendingChecks = new AtomicInteger();
    private final AtomicLong reloadFailures = new AtomicLong();
    private final List<Consumer<Rules>> listeners = new CopyOnWriteArrayList<>();
    private volatile Rules rules;
    private final EnhancedAuthRegistry enhancedAuth;
    private volatile FileStamp[] stamps;

    private Security(BrokerConfig config, WorkerExecutor hashing) {
        this.allowAnonymous = config.allowAnonymous();
        this.identityAsUser = config.useIdentityAsUsername();
        this.passwordPath = config.passwordFile().isBlank() ? null : Path.of(config.passwordFile());
        this.aclPath = config.aclFile().isBlank() ? null : Path.of(config.aclFile());
        this.aclDefaultAllow = config.aclDefaultAllow();
        this.hashing = hashing;
        new SecureRandom().nextBytes(cacheKey);
        List<EnhancedAuth> methods = new java.util.ArrayList<>();
        for (String method : config.enhancedAuthMethods()) {
            if (ScramSha512.METHOD.equals(method)) {
                methods.add(new ScramSha512(this));
            }
        }
        this.enhancedAuth = new EnhancedAuthRegistry(methods);
    }

    /**
     * Reads the files once; a missing or broken file stops start-up with the key that named it.
     *
     * @param vertx for the worker pool of password checks; null in tests that check nothing slow
     */
    /** The MQTT 5 enhanced authentication methods this node offers (auth.enhanced-methods). */
    public EnhancedAuthRegistry enhancedAuth() {
        return enhancedAuth;
    }

    public static Security start(BrokerConfig config, Vertx vertx) {
        WorkerExecutor pool = vertx == null ? null
                : vertx.createSharedWorkerExecutor("mqtt-auth", config.authCheckThreads());
        Security s = new Security(config, pool);
        try {
            s.rules = s.read(1);
        } catch (FileProblem e) {
            throw new ConfigException(e.key, e.getMessage());
        }
        s.stamps = s.stampFiles();
        log.info("event=security_loaded anonymous={} users={} acl_rules={} acl_default={} digest={}", s.allowAnonymous,
                s.rules.passwords().size(), s.rules.acl().size(), s.rules.acl().defaultAllow() ? "allow" : "deny",
                s.rules.digest());
        return s;
    }

    public Rules rules() {
        return rules;
    }

    public long reloadFailures() {
        return reloadFailures.get();
    }

    public boolean allowAnonymous() {
        return allowAnonymous;
    }

    /** Called (on a worker thread) after every successful reload that changed something. */
    public void onReload(Consumer<Rules> listener) {
        listeners.add(listener);
    }

    // ------------------------------------------------------------------------------------ authentication

    /**
     * Judges a CONNECT's credentials. Completes on a worker thread or at once; the caller brings the
     * result back to its own context.
     *
     * @param user        the CONNECT's user name, or null
     * @param password    the CONNECT's password, or null
     * @param certificateName the CN of a verified client certificate (from this node's TLS listener or a
     *                    trusted gateway's PROXY header), or null
     */
    public Future<Verdict> authenticate(String user, byte[] password, String certificateName) {
        if (identityAsUser && certificateName != null) {
            return Future.succeededFuture(new Verdict(null, certificateName));
        }
        PasswordFile passwords = rules.passwords();
        if (user == null) {
            return Future.succeededFuture(allowAnonymous ? new Verdict(null, null) : new Verdict(Refusal.NOT_AUTHORIZED, null));
        }
        if (passwordPath == null) {
            // no password file: a user name is taken as given, for the ACL (Mosquitto does the same)
            return Future.succeededFuture(allowAnonymous ? new Verdict(null, user) : new Verdict(Refusal.NOT_AUTHORIZED, user));
        }
        PasswordHash hash = passwords.hashOf(user);
        byte[] pw = password == null ? new byte[0] : password;
        if (hash != null && password != null) {
            byte[] remembered = verified.get(user);
            if (remembered != null && MessageDigest.isEqual(remembered, mac(user, pw))) {
                return Future.succeededFuture(new Verdict(null, user));
            }
        }
        if (hashing == null) {
            return Future.succeededFuture(check(user, pw, hash, password != null));
        }
        if (pendingChecks.incrementAndGet() > MAX_PENDING_CHECKS) {
            pendingChecks.decrementAndGet();
            return Future.succeededFuture(new Verdict(Refusal.SERVER_BUSY, user));
        }
        return hashing.<Verdict>executeBlocking(() -> check(user, pw, hash, password != null), false)
                .andThen(ar -> pendingChecks.decrementAndGet());
    }

    private Verdict check(String user, byte[] password, PasswordHash hash, boolean passwordGiven) {
        if (hash == null) {
            PasswordHash.dummyCheck(password); // the same time as a real check: no hint which users exist
            return new Verdict(Refusal.BAD_CREDENTIALS, user);
        }
        if (!passwordGiven || !hash.matches(password)) {
            return new Verdict(Refusal.BAD_CREDENTIALS, user);
        }
        if (rules.passwords().hashOf(user) == hash) { // not changed meanwhile
            verified.put(user, mac(user, password));
        }
        return new Verdict(null, user);
    }

    private byte[] mac(String user, byte[] password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(cacheKey, "HmacSHA256"));
            mac.update(user.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(password);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------------------ authorisation

    /** The ACL as it applies to one client now. */
    public Acl.ClientAcl aclFor(String user, String clientId) {
        return rules.acl().forClient(user, clientId);
    }

    // ------------------------------------------------------------------------------------ reloading

    /**
     * Re-reads the files when one changed (or always, when {@code force}). Blocking: call it on a worker
     * thread. A broken file keeps the rules in force and is logged and counted.
     *
     * @return whether new rules are in force
     */
    public synchronized boolean reload(boolean force) {
        FileStamp[] now = stampFiles();
        if (!force && java.util.Arrays.equals(now, stamps)) {
            return false;
        }
        stamps = now;
        Rules next;
        try {
            next = read(rules.version() + 1);
        } catch (FileProblem e) {
            reloadFailures.incrementAndGet();
            log.error("event=security_reload_failed key={} error=\"{}\" action=keep_previous_rules", e.key, e.getMessage());
            return false;
        }
        if (next.digest().equals(rules.digest())) {
            return false;
        }
        if (next.passwords() != rules.passwords()) {
            verified.clear();
        }
        rules = next;
        log.info("event=security_reloaded users={} acl_rules={} acl_default={} digest={}", next.passwords().size(),
                next.acl().size(), next.acl().defaultAllow() ? "allow" : "deny", next.digest());
        for (Consumer<Rules> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                log.warn("event=security_reload_listener_failed error=\"{}\"", e.toString());
            }
        }
        return true;
    }

    private Rules read(long version) {
        MessageDigest digest = sha256();
        PasswordFile passwords = PasswordFile.empty();
        Acl acl = Acl.allowAll();
        if (passwordPath != null) {
            byte[] bytes = readFile("auth.password-file", passwordPath);
            digest.update(bytes);
            try {
                passwords = PasswordFile.parse(passwordPath.toString(), lines(bytes));
            } catch (IllegalArgumentException e) {
                throw new FileProblem("auth.password-file", e.getMessage());
            }
        }
        digest.update((byte) 0);
        if (aclPath != null) {
            byte[] bytes = readFile("auth.acl-file", aclPath);
            digest.update(bytes);
            try {
                acl = Acl.parse(aclPath.toString(), lines(bytes), aclDefaultAllow);
            } catch (IllegalArgumentException e) {
                throw new FileProblem("auth.acl-file", e.getMessage());
            }
        }
        digest.update((byte) (allowAnonymous ? 1 : 0));
        String hex = HexFormat.of().formatHex(digest.digest(), 0, 8);
        // keep the old PasswordFile object when its content did not change, so its verified cache stays
        Rules old = rules;
        if (old != null && passwords.users().equals(old.passwords().users())) {
            passwords = old.passwords();
        }
        return new Rules(passwords, acl, hex, version);
    }

    private static List<String> lines(byte[] bytes) {
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8).lines().toList();
    }

    private static byte[] readFile(String key, Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new FileProblem(key, "cannot read " + path + ": " + e);
        }
    }

    private FileStamp[] stampFiles() {
        List<FileStamp> out = new ArrayList<>(2);
        for (Path p : new Path[] {passwordPath, aclPath}) {
            if (p != null) {
                out.add(FileStamp.of(p));
            }
        }
        return out.toArray(new FileStamp[0]);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class FileProblem extends RuntimeException {
        final String key;

        FileProblem(String key, String message) {
            super(message);
            this.key = key;
        }
    }
}
