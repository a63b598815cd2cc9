package io.mqttcluster.broker.auth;

import io.mqttcluster.broker.mqtt.ReasonCode;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The server side of one SCRAM exchange (RFC 5802, message syntax of section 7), two rounds:
 * <pre>
 *   client-first  n,,n=alice,r=CLIENTNONCE                         CONNECT (or AUTH 0x19) data
 *   server-first  r=CLIENTNONCESERVERNONCE,s=SALT,i=10000           AUTH 0x18 data    (CONTINUE)
 *   client-final  c=biws,r=CLIENTNONCESERVERNONCE,p=PROOF           AUTH 0x18 data
 *   server-final  v=SERVERSIGNATURE                                 CONNACK / AUTH 0x00 data (SUCCESS)
 * </pre>
 * The proof is checked as the RFC says: ClientSignature = HMAC(StoredKey, AuthMessage), ClientKey = proof
 * XOR ClientSignature, accepted when H(ClientKey) equals StoredKey (compared in constant time). The server
 * needs only SaltedPassword, which its {@link Credential} holds.
 *
 * <p>No channel binding: the gs2 header must be {@code n,,} or {@code y,,} (the client could bind but thinks
 * we cannot, which is true: we offer no -PLUS mechanism); {@code p=} and an authorization identity fail. The
 * {@code c=} of client-final must be that same header in base64 ({@code biws} for {@code n,,}).
 *
 * <p>A user we do not know gets a {@link Credential} that is not {@link Credential#real() real} but has the
 * same shape, goes through the same steps and fails only at the proof, with the same code and reason as a
 * wrong password. Every failure is a {@link AuthStep} (nothing is thrown), and a message over
 * {@link #MAX_MESSAGE_BYTES} is refused unread.
 *
 * <p>Not thread-safe: one connection's event loop owns it.
 */
final class ScramExchange implements AuthExchange {

    /** Far above any honest message (a long user name and nonce are a few hundred bytes). */
    static final int MAX_MESSAGE_BYTES = 4096;

    /**
     * What the server knows of a user: the salt and iteration count it tells the client, and the
     * SaltedPassword. {@code real} is false for the stand-in of a user that does not exist.
     */
    record Credential(byte[] salt, int iterations, byte[] saltedPassword, boolean real) {
    }

    private enum State { CLIENT_FIRST, CLIENT_FINAL, DONE }

    private static final byte[] CLIENT_KEY = "Client Key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_KEY = "Server Key".getBytes(StandardCharsets.US_ASCII);

    private final ScramAlgorithm algorithm;
    private final Function<String, Credential> credentials;
    private final Supplier<String> serverNonces;
    private State state = State.CLIENT_FIRST;

    // learnt in the first round
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private String user;
    private Credential credential;

    /**
     * @param credentials  never returns null: a stand-in for unknown users
     * @param serverNonces printable, without ','
     */
    ScramExchange(ScramAlgorithm algorithm, Function<String, Credential> credentials, Supplier<String> serverNonces) {
        this.algorithm = algorithm;
        this.credentials = credentials;
        this.serverNonces = serverNonces;
    }

    @Override
    public AuthStep step(byte[] authData) {
        if (state == State.DONE) {
            return AuthStep.failure(ReasonCode.PROTOCOL_ERROR, algorithm.mechanism() + ": the exchange has already ended");
        }
        AuthStep out;
        try {
            if (authData == null) {
                throw new Malformed("no authentication data");
            }
            if (authData.length > MAX_MESSAGE_BYTES) {
                throw new Malformed("authentication data over " + MAX_MESSAGE_BYTES + " bytes");
            }
            out = state == State.CLIENT_FIRST ? clientFirst(text(authData)) : clientFinal(text(authData));
        } catch (Malformed e) {
            out = AuthStep.failure(ReasonCode.NOT_AUTHORIZED, algorithm.mechanism() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            out = AuthStep.failure(ReasonCode.NOT_AUTHORIZED, algorithm.mechanism() + ": internal error "
                    + e.getClass().getSimpleName());
        }
        state = out.isContinue() ? State.CLIENT_FINAL : State.DONE;
        return out;
    }

    @Override
    public boolean finished() {
        return state == State.DONE;
    }

    // client-first-message = gs2-header client-first-message-bare
    // gs2-header = gs2-cbind-flag "," [ authzid ] ","
    // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
    private AuthStep clientFirst(String msg) throws Malformed {
        int c1 = msg.indexOf(',');
        int c2 = c1 < 0 ? -1 : msg.indexOf(',', c1 + 1);
        if (c2 < 0) {
            throw new Malformed("client-first-message has no gs2 header");
        }
        String cbind = msg.substring(0, c1);
        if (cbind.startsWith("p=")) {
            throw new Malformed("channel binding is not supported");
        }
        if (!cbind.equals("n") && !cbind.equals("y")) {
            throw new Malformed("gs2 header must start with n or y");
        }
        if (c2 != c1 + 1) {
            throw new Malformed("an authorization identity (a=) is not supported");
        }
        String bare = msg.substring(c2 + 1);
        String[] attrs = bare.split(",", -1);
        if (attrs[0].startsWith("m=")) {
            throw new Malformed("mandatory extension (m=) not supported");
        }
        if (attrs.length < 2 || !attrs[0].startsWith("n=") || !attrs[1].startsWith("r=")) {
            throw new Malformed("client-first-message must go on with n=<user>,r=<nonce>");
        }
        String name = saslName(attrs[0].substring(2));
        String clientNonce = attrs[1].substring(2);
        checkNonce(clientNonce);
        checkExtensions(attrs, 2);

        gs2Header = msg.substring(0, c2 + 1);
        clientFirstBare = bare;
        user = name;
        nonce = clientNonce + serverNonces.get();
        credential = credentials.apply(name);
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt())
                + ",i=" + credential.iterations();
        return AuthStep.proceed(serverFirst.getBytes(StandardCharsets.UTF_8));
    }

    // client-final-message = channel-binding "," nonce ["," extensions] "," proof
    private AuthStep clientFinal(String msg) throws Malformed {
        int last = msg.lastIndexOf(',');
        if (last < 0 || !msg.startsWith("p=", last + 1)) {
            throw new Malformed("client-final-message must end with p=<proof>");
        }
        String withoutProof = msg.substring(0, last);
        String[] attrs = withoutProof.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("c=") || !attrs[1].startsWith("r=")) {
            throw new Malformed("client-final-message must start with c=<binding>,r=<nonce>");
        }
        checkExtensions(attrs, 2);
        byte[] binding = base64(attrs[0].substring(2));
        if (!MessageDigest.isEqual(binding, gs2Header.getBytes(StandardCharsets.UTF_8))) {
            throw new Malformed("channel binding (c=) is not the gs2 header of client-first-message");
        }
        if (!MessageDigest.isEqual(attrs[1].substring(2).getBytes(StandardCharsets.UTF_8),
                nonce.getBytes(StandardCharsets.UTF_8))) {
            throw new Malformed("nonce (r=) is not the one of server-first-message");
        }
        byte[] proof = base64(msg.substring(last + 3));
        if (proof.length != algorithm.keyLength()) {
            throw new Malformed("proof (p=) is not " + algorithm.keyLength() + " bytes");
        }

        // The same work whether the user exists or not; only the last test tells them apart.
        byte[] saltedPassword = credential.saltedPassword();
        byte[] storedKey = algorithm.digest(algorithm.hmac(saltedPassword, CLIENT_KEY));
        byte[] serverKey = algorithm.hmac(saltedPassword, SERVER_KEY);
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = algorithm.hmac(storedKey, authMessage);
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        boolean proofOk = MessageDigest.isEqual(algorithm.digest(clientKey), storedKey);
        byte[] serverSignature = algorithm.hmac(serverKey, authMessage);
        if (!(proofOk & credential.real())) {
            return AuthStep.failure(ReasonCode.BAD_USER_NAME_OR_PASSWORD,
                    algorithm.mechanism() + ": unknown user or wrong password");
        }
        return AuthStep.success(user, ("v=" + Base64.getEncoder().encodeToString(serverSignature))
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Strict UTF-8 without NUL (RFC 5802 section 7: no value holds NUL). */
    private static String text(byte[] data) throws Malformed {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new Malformed("not UTF-8");
        }
        if (s.indexOf('\0') >= 0) {
            throw new Malformed("holds a NUL character");
        }
        return s;
    }

    /** saslname: '=' only as "=2C" (',') or "=3D" ('='). No SASLprep: names compare as written. */
    private static String saslName(String s) throws Malformed {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '=') {
                out.append(ch);
            } else if (s.startsWith("=2C", i)) {
                out.append(',');
                i += 2;
            } else if (s.startsWith("=3D", i)) {
                out.append('=');
                i += 2;
            } else {
                throw new Malformed("user name holds '=' not written as =2C or =3D");
            }
        }
        if (out.isEmpty()) {
            throw new Malformed("empty user name");
        }
        return out.toString();
    }

    /** c-nonce: printable ASCII except ',' (RFC 5802 "printable"), at least one. */
    private static void checkNonce(String s) throws Malformed {
        if (s.isEmpty()) {
            throw new Malformed("empty nonce");
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x21 || ch > 0x7e) {
                throw new Malformed("nonce holds a character that is not printable ASCII");
            }
        }
    }

    /** Optional extensions (attr-val: a letter, '=', a value): checked for shape, then ignored. */
    private static void checkExtensions(String[] attrs, int from) throws Malformed {
        for (int i = from; i < attrs.length; i++) {
            String a = attrs[i];
            char ch = a.isEmpty() ? 0 : a.charAt(0);
            boolean letter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
            if (!letter || a.length() < 3 || a.charAt(1) != '=') {
                throw new Malformed("attribute " + (i + 1) + " is not <letter>=<value>");
            }
        }
    }

    /** Base64 as written by an encoder: padding and unused bits exact, so one value has one spelling. */
    private static byte[] base64(String s) throws Malformed {
        byte[] b;
        try {
            b = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new Malformed("not base64");
        }
        if (!Base64.getEncoder().encodeToString(b).equals(s)) {
            throw new Malformed("not canonical base64");
        }
        return b;
    }

    /** A message that does not follow RFC 5802's grammar or this server's limits. */
    private static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }
}
