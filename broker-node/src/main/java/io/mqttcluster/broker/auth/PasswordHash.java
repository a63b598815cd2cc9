package io.mqttcluster.broker.auth;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A salted PBKDF2-HMAC-SHA512 password hash in the format of Mosquitto 2.0's password files,
 * {@code $7$<iterations>$<base64 salt>$<base64 hash>}: a file written by {@code mosquitto_passwd} works here,
 * and one written by {@code broker-node.jar passwd} works in Mosquitto. Mosquitto writes 101 iterations;
 * we write {@link #DEFAULT_ITERATIONS} and read any count the line carries.
 *
 * <p>Mosquitto's older {@code $6$} lines (one round of SHA-512) and plain text are refused: a fast hash
 * leaks passwords to anyone who reads the file.
 */
public final class PasswordHash {

    /**
     * What {@code passwd} writes unless told otherwise: about 10 ms per check on one core of the reference
     * machine (100,000: 64 ms). A node checks a device's password once (then remembers it), but after a node
     * fails its devices all check in on the other nodes at once, so this is a trade: raise it with
     * {@code passwd --iterations} for human-chosen passwords; random device tokens gain nothing from more.
     */
    public static final int DEFAULT_ITERATIONS = 10_000;
    public static final int MIN_ITERATIONS = 100;
    public static final int MAX_ITERATIONS = 10_000_000;
    private static final int SALT_BYTES = 12;
    private static final int HASH_BYTES = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** A new hash of a password with a fresh random salt. */
    public static PasswordHash create(byte[] password, int iterations) {
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be between " + MIN_ITERATIONS + " and " + MAX_ITERATIONS);
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return new PasswordHash(iterations, salt, derive(password, salt, iterations, HASH_BYTES));
    }

    /**
     * Parses the part of a password-file line after {@code user:}.
     *
     * @throws IllegalArgumentException with a message fit for "file:line: message"
     */
    public static PasswordHash parse(String encoded) {
        if (encoded.startsWith("$6$")) {
            throw new IllegalArgumentException("a $6$ (single SHA-512) hash is too fast to keep passwords safe; "
                    + "set the password again with 'broker-node.jar passwd' or mosquitto_passwd 2.0+");
        }
        if (!encoded.startsWith("$7$")) {
            throw new IllegalArgumentException("not a $7$ (PBKDF2-SHA512) hash; plain-text passwords are not accepted");
        }
        String[] parts = encoded.split("\\$", -1);
        if (parts.length != 5) {
            throw new IllegalArgumentException("expected $7$<iterations>$<salt>$<hash>");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[2]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iterations '" + parts[2] + "' is not a number");
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations " + iterations + " out of range");
        }
        byte[] salt;
        byte[] hash;
        try {
            salt = Base64.getDecoder().decode(parts[3]);
            hash = Base64.getDecoder().decode(parts[4]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("salt or hash is not base64");
        }
        if (salt.length < 8 || hash.length < 32) {
            throw new IllegalArgumentException("salt or hash too short");
        }
        return new PasswordHash(iterations, salt, hash);
    }

    public String encode() {
        return "$7$" + iterations + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(hash);
    }

    public int iterations() {
        return iterations;
    }

    /** A copy of the salt (the raw bytes, not base64). */
    byte[] salt() {
        return salt.clone();
    }

    /**
     * A copy of the derived key. Its first 64 bytes are SCRAM-SHA-512's SaltedPassword, so for SCRAM it is as
     * good as the password: package-private, read only by {@link ScramSha512}.
     */
    byte[] hash() {
        return hash.clone();
    }

    /** Slow by design (PBKDF2): never call it on an event loop. Constant-time comparison. */
    public boolean matches(byte[] password) {
        return MessageDigest.isEqual(hash, derive(password, salt, iterations, hash.length));
    }

    /** The same work as a real check, for unknown users, so that timing does not tell which users exist. */
    static void dummyCheck(byte[] password) {
        derive(password, new byte[SALT_BYTES], DEFAULT_ITERATIONS, HASH_BYTES);
    }

    private static byte[] derive(byte[] password, byte[] salt, int iterations, int length) {
        // The JDK's PBKDF2 takes chars and hashes their UTF-8 encoding; Mosquitto hashes the password's bytes.
        // Decoding the bytes as UTF-8 gives back exactly those bytes for any UTF-8 password.
        CharBuffer decoded = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(password));
        char[] chars = new char[decoded.remaining()];
        decoded.get(chars);
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, length * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA512 unavailable", e);
        } finally {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }
}
