package io.mqttcluster.broker.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The client side of SCRAM, written for the tests from RFC 5802 alone and sharing no code with the server:
 * SaltedPassword is computed from the password by the RFC's own definition of Hi (the U1..Ui XOR loop), not
 * by PBKDF2 from the JDK and not from the password file.
 */
public final class ScramTestClient {

    private static final Map<String, byte[]> HI_CACHE = new HashMap<>();

    final String user;
    final byte[] password;
    final String macName;
    final String digestName;
    String gs2Header = "n,,";
    String clientNonce = "fyko+d2lbbFgONRv9qkxdawL";
    /** Overrides what the client sends as c= (base64 of the gs2 header when null). */
    String channelBinding;
    /** Overrides what the client sends as r= in client-final (the server's combined nonce when null). */
    String finalNonce;

    private String clientFirstBare;
    private String authMessage;
    private byte[] serverKey;

    public ScramTestClient(String user, String password) {
        this(user, password, "HmacSHA512", "SHA-512");
    }

    ScramTestClient(String user, String password, String macName, String digestName) {
        this.user = user;
        this.password = password.getBytes(StandardCharsets.UTF_8);
        this.macName = macName;
        this.digestName = digestName;
    }

    public byte[] clientFirst() {
        clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
        return (gs2Header + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    public byte[] clientFinal(byte[] serverFirstBytes) {
        String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
        Map<Character, String> attrs = new HashMap<>();
        for (String a : serverFirst.split(",")) {
            attrs.put(a.charAt(0), a.substring(2));
        }
        String nonce = attrs.get('r'); // a real client checks that it extends its own; the tests do
        byte[] salt = Base64.getDecoder().decode(attrs.get('s'));
        int iterations = Integer.parseInt(attrs.get('i'));
        byte[] saltedPassword = hi(password, salt, iterations);
        byte[] clientKey = hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] storedKey = digest(clientKey);
        serverKey = hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
        String c = channelBinding != null ? channelBinding
                : Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
        String withoutProof = "c=" + c + ",r=" + (finalNonce != null ? finalNonce : nonce);
        authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] clientSignature = hmac(storedKey, authMessage.getBytes(StandardCharsets.UTF_8));
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
        }
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }

    /** Whether server-final-message proves that the server knew our SaltedPassword. */
    public boolean serverFinalIsValid(byte[] serverFinal) {
        String expected = "v=" + Base64.getEncoder().encodeToString(
                hmac(serverKey, authMessage.getBytes(StandardCharsets.UTF_8)));
        return expected.equals(new String(serverFinal, StandardCharsets.UTF_8));
    }

    /** RFC 5802 section 2.2: Hi(str, salt, i) = U1 XOR U2 XOR ... XOR Ui, U1 = HMAC(str, salt + INT(1)). */
    byte[] hi(byte[] str, byte[] salt, int iterations) {
        String cacheKey = macName + Arrays.toString(str) + Arrays.toString(salt) + iterations;
        synchronized (HI_CACHE) {
            byte[] cached = HI_CACHE.get(cacheKey);
            if (cached != null) {
                return cached.clone();
            }
        }
        byte[] first = Arrays.copyOf(salt, salt.length + 4);
        first[salt.length + 3] = 1; // INT(1), big-endian
        byte[] u = hmac(str, first);
        byte[] result = u.clone();
        for (int n = 1; n < iterations; n++) {
            u = hmac(str, u);
            for (int k = 0; k < result.length; k++) {
                result[k] ^= u[k];
            }
        }
        synchronized (HI_CACHE) {
            HI_CACHE.put(cacheKey, result.clone());
        }
        return result;
    }

    private byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(macName);
            mac.init(new SecretKeySpec(key, macName));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance(digestName).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
