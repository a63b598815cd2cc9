package io.mqttcluster.broker.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * The hash a SCRAM mechanism is built on (RFC 5802 section 2.2: HMAC and H), and the length of its keys.
 * Only SHA-512 is offered to clients ({@link ScramSha512}); the exchange is written for any, which lets a test
 * replay RFC 7677's SCRAM-SHA-256 example. Immutable and thread-safe.
 */
record ScramAlgorithm(String mechanism, String macName, String digestName, int keyLength) {

    static final ScramAlgorithm SHA_512 = new ScramAlgorithm("SCRAM-SHA-512", "HmacSHA512", "SHA-512", 64);

    byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(macName);
            mac.init(new SecretKeySpec(key, macName));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(macName + " unavailable", e);
        }
    }

    byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance(digestName).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(digestName + " unavailable", e);
        }
    }
}
