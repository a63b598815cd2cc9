package io.mqttcluster.broker.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * SCRAM-SHA-512 (RFC 5802 with SHA-512) as an MQTT 5 enhanced authentication method, against the users of the
 * password file as they are.
 *
 * <p>Why that works without knowing any password: SCRAM's SaltedPassword is Hi(password, salt, i), which is
 * PBKDF2 with HMAC-SHA-512 and one 64-byte block, and that is exactly the {@code $7$} hash the file stores
 * (PBKDF2-HMAC-SHA512, 64 bytes, with that salt and iteration count). So the server tells the client the
 * file's salt and count, and derives ClientKey, StoredKey and ServerKey from the stored hash. The price: for
 * SCRAM the stored hash is as good as the password, so whoever reads the password file can log in as any of
 * its users with this method (a plain CONNECT password still needs the password itself).
 *
 * <p>Users are read at each exchange's start from the current password file, so a reload applies to the next
 * exchange. An unknown user (or one whose hash is shorter than 64 bytes, which is not a SaltedPassword)
 * is answered with a stand-in: a salt and key derived from the user name under a secret, the iteration count
 * and salt length most users of the file have, and the same steps, failing at the proof like a wrong
 * password. The secret is a digest of the password file itself, so every node and every restart gives an
 * unknown name the same salt, as a real user has; it changes when the file changes.
 *
 * <p>Thread-safe; the server's work per exchange is a few HMACs (the slow PBKDF2 is the client's), so
 * exchanges run on the event loop.
 */
public final class ScramSha512 implements EnhancedAuth {

    public static final String METHOD = "SCRAM-SHA-512";
    private static final int KEY_LENGTH = 64;
    private static final int SERVER_NONCE_BYTES = 18; // 24 base64 characters, no padding
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Supplier<PasswordFile> users;
    private volatile Unknowns unknowns;

    /** Against the password file of {@code security}, as reloaded. */
    public ScramSha512(Security security) {
        this(() -> security.rules().passwords());
    }

    /** Against whatever password file {@code users} gives at the start of each exchange. */
    public ScramSha512(Supplier<PasswordFile> users) {
        this.users = users;
    }

    @Override
    public String method() {
        return METHOD;
    }

    @Override
    public AuthExchange start(String clientId) {
        return new ScramExchange(ScramAlgorithm.SHA_512, this::credential, ScramSha512::serverNonce);
    }

    ScramExchange.Credential credential(String user) {
        PasswordFile file = users.get();
        Unknowns u = unknownsOf(file);
        ScramExchange.Credential standIn = u.standIn(user); // computed for known users too: the same time
        PasswordHash h = file.hashOf(user);
        if (h == null) {
            return standIn;
        }
        byte[] hash = h.hash();
        if (hash.length < KEY_LENGTH) {
            return new ScramExchange.Credential(h.salt(), h.iterations(), standIn.saltedPassword(), false);
        }
        // a longer PBKDF2 output begins with the same first block: that block is SaltedPassword
        return new ScramExchange.Credential(h.salt(), h.iterations(), Arrays.copyOf(hash, KEY_LENGTH), true);
    }

    private Unknowns unknownsOf(PasswordFile file) {
        Unknowns u = unknowns;
        if (u == null || u.file != file) {
            u = Unknowns.of(file);
            unknowns = u; // a race computes the same value twice, harmlessly
        }
        return u;
    }

    private static String serverNonce() {
        byte[] b = new byte[SERVER_NONCE_BYTES];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /** How one password file answers for users it does not have. */
    private record Unknowns(PasswordFile file, byte[] secret, int iterations, int saltLength) {

        static Unknowns of(PasswordFile file) {
            MessageDigest d = sha512();
            d.update("mqtt-cluster SCRAM stand-in\0".getBytes(StandardCharsets.UTF_8));
            Map<Integer, Integer> iterationCounts = new HashMap<>();
            Map<Integer, Integer> saltLengths = new HashMap<>();
            for (Map.Entry<String, PasswordHash> e : new TreeMap<>(file.users()).entrySet()) {
                d.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(e.getValue().encode().getBytes(StandardCharsets.UTF_8));
                d.update((byte) '\n');
                iterationCounts.merge(e.getValue().iterations(), 1, Integer::sum);
                saltLengths.merge(e.getValue().salt().length, 1, Integer::sum);
            }
            return new Unknowns(file, d.digest(), mostCommon(iterationCounts, PasswordHash.DEFAULT_ITERATIONS),
                    mostCommon(saltLengths, 12));
        }

        ScramExchange.Credential standIn(String user) {
            byte[] name = user.getBytes(StandardCharsets.UTF_8);
            byte[] salt = ScramAlgorithm.SHA_512.hmac(secret, concat("salt\0", name));
            byte[] key = ScramAlgorithm.SHA_512.hmac(secret, concat("key\0", name));
            return new ScramExchange.Credential(Arrays.copyOf(salt, Math.min(saltLength, salt.length)), iterations,
                    key, false);
        }

        /** The value seen most often, the larger one on a tie; {@code none} for an empty file. */
        private static int mostCommon(Map<Integer, Integer> counts, int none) {
            int best = none;
            int bestCount = 0;
            for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
                if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() > best)) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            return best;
        }

        private static byte[] concat(String label, byte[] name) {
            byte[] l = label.getBytes(StandardCharsets.UTF_8);
            byte[] out = Arrays.copyOf(l, l.length + name.length);
            System.arraycopy(name, 0, out, l.length, name.length);
            return out;
        }

        private static MessageDigest sha512() {
            try {
                return MessageDigest.getInstance("SHA-512");
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
