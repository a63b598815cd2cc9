package io.mqttcluster.broker.auth;

import org.junit.jupiter.api.Test;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SCRAM exchange itself: the RFCs' worked examples byte for byte, and bad input of every kind.
 */
class ScramExchangeTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static ScramExchange.Credential pbkdf2(String algorithm, String password, String saltBase64, int i, int bits)
            throws Exception {
        byte[] salt = Base64.getDecoder().decode(saltBase64);
        byte[] salted = SecretKeyFactory.getInstance(algorithm)
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt, i, bits)).getEncoded();
        return new ScramExchange.Credential(salt, i, salted, true);
    }

    @Test
    void rfc7677Example_scramSha256_byteForByte() throws Exception {
        // RFC 7677 section 3: user "user", password "pencil"
        ScramAlgorithm sha256 = new ScramAlgorithm("SCRAM-SHA-256", "HmacSHA256", "SHA-256", 32);
        ScramExchange.Credential cred = pbkdf2("PBKDF2WithHmacSHA256", "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096, 256);
        ScramExchange ex = new ScramExchange(sha256, user -> cred, () -> "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

        AuthStep first = ex.step(b("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        assertThat(s(first.data())).isEqualTo(
                "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        AuthStep last = ex.step(b("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        assertThat(last.isSuccess()).as(last.toString()).isTrue();
        assertThat(last.user()).isEqualTo("user");
        assertThat(s(last.data())).isEqualTo("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    @Test
    void rfc5802Example_scramSha1_byteForByte() throws Exception {
        // RFC 5802 section 5: user "user", password "pencil"
        ScramAlgorithm sha1 = new ScramAlgorithm("SCRAM-SHA-1", "HmacSHA1", "SHA-1", 20);
        ScramExchange.Credential cred = pbkdf2("PBKDF2WithHmacSHA1", "pencil", "QSXCR+Q6sek8bf92", 4096, 160);
        ScramExchange ex = new ScramExchange(sha1, user -> cred, () -> "3rfcNHYJY1ZVvWVs7j");

        AuthStep first = ex.step(b("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
        assertThat(s(first.data())).isEqualTo("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
        AuthStep last = ex.step(b("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="));
        assertThat(last.isSuccess()).as(last.toString()).isTrue();
        assertThat(s(last.data())).isEqualTo("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    }

    @Test
    void rfc7677Example_withOneBitOfTheProofFlipped_fails() throws Exception {
        ScramAlgorithm sha256 = new ScramAlgorithm("SCRAM-SHA-256", "HmacSHA256", "SHA-256", 32);
        ScramExchange.Credential cred = pbkdf2("PBKDF2WithHmacSHA256", "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096, 256);
        ScramExchange ex = new ScramExchange(sha256, user -> cred, () -> "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        ex.step(b("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        AuthStep last = ex.step(b("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        assertThat(last.reasonCode()).isEqualTo(0x86);
    }

    @Test
    void aStandInCredential_neverSucceeds_evenWithTheRightProof() throws Exception {
        // the stand-in of an unknown user must fail even if someone learnt its key
        ScramAlgorithm sha256 = new ScramAlgorithm("SCRAM-SHA-256", "HmacSHA256", "SHA-256", 32);
        ScramExchange.Credential real = pbkdf2("PBKDF2WithHmacSHA256", "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096, 256);
        ScramExchange.Credential standIn = new ScramExchange.Credential(real.salt(), real.iterations(),
                real.saltedPassword(), false);
        ScramExchange ex = new ScramExchange(sha256, user -> standIn, () -> "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        ex.step(b("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        AuthStep last = ex.step(b("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        assertThat(last.reasonCode()).isEqualTo(0x86);
    }

    @Test
    void malformedClientFirstMessages_failWithNotAuthorized() {
        List<byte[]> bad = new ArrayList<>();
        for (String m : new String[] {
                "", ",", ",,", "n", "n,", "n,,", "n,,n=", "n,,n=alice", "n,,n=alice,", "n,,n=alice,r=",
                "n,,r=abc,n=alice", "x,,n=alice,r=abc", "N,,n=alice,r=abc", "nn,,n=alice,r=abc",
                "p=tls-unique,,n=alice,r=abc", "n,a=bob,n=alice,r=abc", "n,,m=ext,n=alice,r=abc",
                "n,,n=al=ice,r=abc", "n,,n=al=2cice,r=abc", "n,,n=alice=,r=abc", "n,,n=alice,r=ab c",
                "n,,n=alice,r=abc\u00e9", "n,,n=alice,r=abc\u007f", "n,,n=alice,r=abc,1=x", "n,,n=alice,r=abc,x",
                "n,,n=alice,r=abc,x=", "n,,n=alice,r=abc,,", "n,,n=alice\u0000,r=abc", " n,,n=alice,r=abc",
                "n,,N=alice,r=abc", "n,,n=alice,R=abc"}) {
            bad.add(b(m));
        }
        bad.add(new byte[] {(byte) 0xff, (byte) 0xfe, 'n', ',', ','});
        bad.add(new byte[] {'n', ',', ',', 'n', '=', (byte) 0xc3, ',', 'r', '=', 'a'}); // cut UTF-8 sequence
        bad.add(new byte[] {'n', ',', ',', 'n', '=', (byte) 0xed, (byte) 0xa0, (byte) 0x80, ',', 'r', '=', 'a'}); // surrogate
        ScramSha512 scram = new ScramSha512(() -> ScramSha512Test.file("alice", "pw"));
        for (byte[] m : bad) {
            AuthStep step = scram.start("c").step(m);
            assertThat(step.isFailure()).as(s(m)).isTrue();
            assertThat(step.reasonCode()).as(s(m)).isEqualTo(0x87);
            assertThat(step.reason()).startsWith("SCRAM-SHA-512: ");
        }
    }

    @Test
    void unknownExtensionsInClientFirst_areIgnored() {
        ScramSha512 scram = new ScramSha512(() -> ScramSha512Test.file("alice", "pw"));
        AuthStep step = scram.start("c").step(b("n,,n=alice,r=abc,x=whatever,Q=1"));
        assertThat(step.isContinue()).isTrue();
    }

    @Test
    void malformedClientFinalMessages_failWithNotAuthorized() {
        ScramSha512 scram = new ScramSha512(() -> ScramSha512Test.file("alice", "pw"));
        ScramTestClient client = new ScramTestClient("alice", "pw");
        AuthStep first = scram.start("c").step(client.clientFirst());
        String good = s(client.clientFinal(first.data()));
        String nonce = s(first.data()).split(",")[0].substring(2);
        String proof = good.substring(good.lastIndexOf(",p=") + 3);
        // the last base64 character before "==" carries 4 unused bits: set one and the value stays the same
        int k = proof.length() - 3;
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        String nonCanonical = proof.substring(0, k) + alphabet.charAt(alphabet.indexOf(proof.charAt(k)) ^ 1)
                + proof.substring(k + 1);
        String[] bad = {
                "", ",", "p=", "c=biws", "c=biws,r=" + nonce, "c=biws,r=" + nonce + ",p=",
                "c=biws,r=" + nonce + ",p=!!!!", "c=biws,r=" + nonce + ",p=" + Base64.getEncoder().encodeToString(new byte[32]),
                "c=biws,r=" + nonce + ",p=" + Base64.getEncoder().encodeToString(new byte[65]),
                "r=" + nonce + ",c=biws,p=" + proof, "c=biws,p=" + proof + ",r=" + nonce,
                "c=biws,r=" + nonce + ",p=" + proof + ",x=1", "c=bi,r=" + nonce + ",p=" + proof,
                "c=biws,r=" + nonce + ",1=2,p=" + proof, "c=biws,r=" + nonce + ",,p=" + proof,
                "c=biws,r=" + nonce + ",p=" + proof.replace("==", ""), "c=biws,r=" + nonce + ",p=" + nonCanonical,
                "c=biws,r=" + nonce + ",p=" + proof + "\u0000", "c=biws,r=,p=" + proof,
        };
        for (String m : bad) {
            AuthExchange ex = scram.start("c");
            ex.step(client.clientFirst());
            // the nonce differs per exchange: those with the first exchange's nonce fail on it, the rest on shape
            AuthStep step = ex.step(b(m));
            assertThat(step.isFailure()).as(m).isTrue();
            assertThat(step.reasonCode()).as(m).isIn(0x87, 0x86);
        }
        // and with this exchange's own nonce, the shapes alone fail
        for (String m : bad) {
            AuthExchange ex = scram.start("c");
            AuthStep f = ex.step(client.clientFirst());
            String n = s(f.data()).split(",")[0].substring(2);
            AuthStep step = ex.step(b(m.replace(nonce, n)));
            assertThat(step.isFailure()).as(m).isTrue();
            assertThat(step.reasonCode()).as(m).isEqualTo(0x87);
        }
    }

    /**
     * Random bytes and mutated valid messages, fed through whole exchanges: nothing throws, and nothing
     * but the unchanged exchange succeeds. Seeded, so a failure replays.
     */
    @Test
    void fuzz_randomAndMutatedMessages_neverThrow_andAlwaysFail() {
        PasswordFile users = PasswordFile.parse("f", List.of("alice:" + PasswordHash.create(b("pw"), 100).encode()));
        ScramSha512 scram = new ScramSha512(() -> users);
        Random random = new Random(20261207L);
        int continued = 0;
        for (int round = 0; round < 3000; round++) {
            ScramTestClient client = new ScramTestClient("alice", "pw");
            AuthExchange ex = scram.start("c");
            AuthStep last;
            switch (round % 3) {
                case 0 -> { // random bytes, twice
                    byte[] junk = new byte[random.nextInt(300)];
                    random.nextBytes(junk);
                    if (random.nextBoolean() && junk.length > 6) { // sometimes a plausible start
                        System.arraycopy(b("n,,n="), 0, junk, 0, 5);
                    }
                    last = ex.step(junk);
                    if (last.isContinue()) {
                        continued++;
                        byte[] more = new byte[random.nextInt(300)];
                        random.nextBytes(more);
                        last = ex.step(more);
                    }
                }
                case 1 -> { // a mutated client-first, then the honest client-final
                    last = ex.step(mutate(client.clientFirst(), random));
                    if (last.isContinue()) {
                        continued++;
                        last = ex.step(client.clientFinal(last.data()));
                    }
                }
                default -> { // the honest client-first, then a mutated client-final
                    AuthStep first = ex.step(client.clientFirst());
                    assertThat(first.isContinue()).isTrue();
                    last = ex.step(mutate(client.clientFinal(first.data()), random));
                }
            }
            assertThat(last.isFailure()).as("round %d: %s", round, last).isTrue();
            assertThat(last.reasonCode()).isIn(0x86, 0x87);
            assertThat(ex.finished()).isTrue();
        }
        assertThat(continued).as("mutations that still parse reach the proof").isGreaterThan(100);
    }

    /** One to three changes that always alter the message: flip, insert, delete, truncate, duplicate. */
    private static byte[] mutate(byte[] m, Random random) {
        byte[] out = m.clone();
        int changes = 1 + random.nextInt(3);
        for (int c = 0; c < changes; c++) {
            int at = out.length == 0 ? 0 : random.nextInt(out.length);
            switch (random.nextInt(5)) {
                case 0 -> {
                    if (out.length == 0) {
                        out = new byte[] {'x'};
                    } else {
                        out[at] ^= (byte) (1 + random.nextInt(255));
                    }
                }
                case 1 -> {
                    byte[] n = new byte[out.length + 1];
                    System.arraycopy(out, 0, n, 0, at);
                    n[at] = (byte) (random.nextBoolean() ? ",=abnrpc"
                            .charAt(random.nextInt(8)) : random.nextInt(256));
                    System.arraycopy(out, at, n, at + 1, out.length - at);
                    out = n;
                }
                case 2 -> {
                    if (out.length > 0) {
                        byte[] n = new byte[out.length - 1];
                        System.arraycopy(out, 0, n, 0, at);
                        System.arraycopy(out, at + 1, n, at, out.length - at - 1);
                        out = n;
                    }
                }
                case 3 -> out = java.util.Arrays.copyOf(out, at);
                default -> {
                    byte[] n = java.util.Arrays.copyOf(out, out.length * 2);
                    System.arraycopy(out, 0, n, out.length, out.length);
                    out = n;
                }
            }
        }
        if (java.util.Arrays.equals(out, m)) { // e.g. a flip undone by a second one
            out = java.util.Arrays.copyOf(m, m.length + 1);
        }
        return out;
    }
}
