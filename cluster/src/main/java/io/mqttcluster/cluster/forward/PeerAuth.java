package io.mqttcluster.cluster.forward;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * How two {@link ClusterBus} nodes prove to each other that they hold the cluster secret: a challenge-response
 * with HMAC-SHA256, both ways, fresh nonces from both sides, so a recorded handshake is worth nothing on
 * another connection. {@link #NONE} (no secret) keeps the protocol as it was before: no challenge, an empty
 * MAC field in HELLO, every HELLO accepted.
 *
 * <pre>
 * connector (sender)                               acceptor (receiver)
 *                     &lt;-- CHALLENGE  nA               as soon as the connection is accepted
 * HELLO  from, to, stream, firstSeq,
 *        mac = nC | HMAC(K, "hello"  | nA | nC | from | to | stream | firstSeq)  -->
 *                     &lt;-- RESUME last, mac = HMAC(K, "resume" | nA | nC | from | to | stream | last)
 * </pre>
 *
 * The acceptor's nonce makes the connector's MAC unusable on any other connection (no replay); the connector's
 * nonce does the same for the acceptor's answer, which also covers {@code last}. The acceptor answers only
 * after it checked the HELLO, so it signs nothing for a peer that did not prove itself. The two MACs carry
 * different labels, so one can never stand for the other. Not covered: frames after the handshake carry no MAC,
 * so whoever can take over an established TCP connection (on the path between two nodes) can inject into it;
 * that needs TLS, which the bus does not have yet. See docs/cluster.md, "Node-to-node security".
 *
 * <p>Thread-safe; every method is cheap (one HMAC, a few random bytes) and never blocks: the random generator is
 * seeded when the object is made.
 */
public final class PeerAuth {

    /** Bytes of each nonce and of each MAC. */
    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    /** A secret shorter than this is refused: it could be guessed offline from one recorded handshake. */
    public static final int MIN_SECRET_BYTES = 16;

    private static final byte[] HELLO_LABEL = "mqtt-cluster bus v1 hello".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESUME_LABEL = "mqtt-cluster bus v1 resume".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NAME_LABEL = "mqtt-cluster hazelcast cluster name".getBytes(StandardCharsets.US_ASCII);

    /** No secret: anyone who reaches the bus port is taken for a node. */
    public static final PeerAuth NONE = new PeerAuth(null);

    private final SecretKeySpec key;
    private final SecureRandom random;

    private PeerAuth(byte[] secret) {
        if (secret == null) {
            key = null;
            random = null;
            return;
        }
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the cluster secret must have at least " + MIN_SECRET_BYTES + " bytes, has " + secret.length);
        }
        key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        random = drbg();
        random.nextBytes(new byte[NONCE_BYTES]); // seeds it now, not on an event loop later
        mac(HELLO_LABEL, new byte[0]); // fails here, at start-up, if the JDK lacks HmacSHA256
    }

    /** A generator that, once seeded, makes its bytes in memory (no read of /dev/urandom per nonce). */
    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (GeneralSecurityException e) {
            return new SecureRandom();
        }
    }

    /** Authentication with a secret shared by every node of the cluster (at least {@link #MIN_SECRET_BYTES} bytes). */
    public static PeerAuth sharedSecret(byte[] secret) {
        return new PeerAuth(secret);
    }

    /** True when peers must prove the secret; false for {@link #NONE}. */
    public boolean enabled() {
        return key != null;
    }

    /**
     * A tag derived from the secret (not the secret, nor enough to find it), for names that must differ between
     * clusters with different secrets, such as the Hazelcast cluster name: 16 hex digits.
     */
    public String fingerprint() {
        if (key == null) {
            throw new IllegalStateException("no secret");
        }
        byte[] h = mac(NAME_LABEL, new byte[0]);
        StringBuilder sb = new StringBuilder(16);
        for (int i = 0; i < 8; i++) {
            sb.append(Character.forDigit((h[i] >> 4) & 0xF, 16)).append(Character.forDigit(h[i] & 0xF, 16));
        }
        return sb.toString();
    }

    byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        random.nextBytes(n);
        return n;
    }

    /** The MAC field of a HELLO: the connector's fresh nonce, then its MAC. */
    byte[] helloField(byte[] challenge, String from, String to, long stream, long firstSeq) {
        byte[] nC = nonce();
        byte[] m = mac(HELLO_LABEL, transcript(challenge, nC, from, to, stream, firstSeq));
        byte[] field = Arrays.copyOf(nC, NONCE_BYTES + MAC_BYTES);
        System.arraycopy(m, 0, field, NONCE_BYTES, MAC_BYTES);
        return field;
    }

    /** Whether a HELLO's MAC field proves the secret for this connection's {@code challenge}; constant time. */
    boolean checkHello(byte[] challenge, BusFrames.Hello h) {
        byte[] field = h.mac();
        if (field.length != NONCE_BYTES + MAC_BYTES) {
            return false;
        }
        byte[] nC = Arrays.copyOf(field, NONCE_BYTES);
        byte[] expected = mac(HELLO_LABEL, transcript(challenge, nC, h.from(), h.to(), h.stream(), h.firstSeq()));
        return MessageDigest.isEqual(expected, Arrays.copyOfRange(field, NONCE_BYTES, field.length));
    }

    /** The acceptor's MAC in RESUME, after a HELLO that passed {@link #checkHello}. */
    byte[] resumeMac(byte[] challenge, BusFrames.Hello h, long last) {
        return mac(RESUME_LABEL, transcript(challenge, Arrays.copyOf(h.mac(), NONCE_BYTES), h.from(), h.to(), h.stream(), last));
    }

    /** Whether a RESUME's MAC is the acceptor's answer to the HELLO whose MAC field was {@code helloField}; constant time. */
    boolean checkResume(byte[] challenge, byte[] helloField, String from, String to, long stream, long last, byte[] mac) {
        byte[] expected = mac(RESUME_LABEL, transcript(challenge, Arrays.copyOf(helloField, NONCE_BYTES), from, to, stream, last));
        return MessageDigest.isEqual(expected, mac);
    }

    /** nA, nC, from, to (each with its length), stream, and firstSeq or last: no two inputs give the same bytes. */
    private static byte[] transcript(byte[] nA, byte[] nC, String from, String to, long stream, long seq) {
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + nA.length + 4 + nC.length + 4 + f.length + 4 + t.length + 16)
                .putInt(nA.length).put(nA).putInt(nC.length).put(nC)
                .putInt(f.length).put(f).putInt(t.length).put(t)
                .putLong(stream).putLong(seq).array();
    }

    private byte[] mac(byte[] label, byte[] data) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            m.update(label);
            return m.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
