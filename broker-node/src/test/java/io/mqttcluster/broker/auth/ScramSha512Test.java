package io.mqttcluster.broker.auth;

import io.mqttcluster.broker.config.BrokerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SCRAM-SHA-512 against the password file, driven by {@link ScramTestClient}, which derives everything from
 * the plain password while the server only has the stored hash.
 */
class ScramSha512Test {

    /** mosquitto_passwd 2.0 output for user "test", password "test" (also in PasswordHashTest). */
    static final String MOSQUITTO_TEST = "$7$101$6DOqFeGr4xevVouY$QyReP7ArWvF+2qgzC+vhLHpAhW76dw81nK5vwqG8n/eIaNlVm3GfzpRPCf6defQTstrD4hJz1r7iXWr9gSDWHw==";
    private static final Pattern SERVER_FIRST = Pattern.compile("r=([!-+\\--~]+),s=([A-Za-z0-9+/=]+),i=(\\d+)");

    @TempDir
    Path dir;

    static PasswordFile file(String... userPasswordPairs) {
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < userPasswordPairs.length; i += 2) {
            lines.add(userPasswordPairs[i] + ":"
                    + PasswordHash.create(userPasswordPairs[i + 1].getBytes(StandardCharsets.UTF_8), 1000).encode());
        }
        return PasswordFile.parse("test", lines);
    }

    /** Runs a whole exchange; returns the last step. */
    static AuthStep run(AuthExchange exchange, ScramTestClient client) {
        AuthStep first = exchange.step(client.clientFirst());
        if (!first.isContinue()) {
            return first;
        }
        return exchange.step(client.clientFinal(first.data()));
    }

    private final PasswordFile alice = file("alice", "wonderland", "bob", "builder");
    private final ScramSha512 scram = new ScramSha512(() -> alice);

    @Test
    void rightPassword_succeedsAsTheUser_andTheServerProvesItKnowsTheKey() {
        ScramTestClient client = new ScramTestClient("alice", "wonderland");
        AuthExchange ex = scram.start("c1");
        AuthStep first = ex.step(client.clientFirst());
        assertThat(first.isContinue()).isTrue();
        assertThat(first.reasonCode()).isEqualTo(0x18);
        assertThat(ex.finished()).isFalse();

        AuthStep last = ex.step(client.clientFinal(first.data()));
        assertThat(last.isSuccess()).as(last.toString()).isTrue();
        assertThat(last.reasonCode()).isZero();
        assertThat(last.user()).isEqualTo("alice");
        assertThat(client.serverFinalIsValid(last.data())).isTrue();
        assertThat(ex.finished()).isTrue();
    }

    @Test
    void serverFirst_carriesTheStoredSaltAndIterations_andAFreshServerNonce() {
        ScramTestClient client = new ScramTestClient("alice", "wonderland");
        String a = new String(scram.start("c").step(client.clientFirst()).data(), StandardCharsets.UTF_8);
        String b = new String(scram.start("c").step(client.clientFirst()).data(), StandardCharsets.UTF_8);
        Matcher m = SERVER_FIRST.matcher(a);
        assertThat(m.matches()).as(a).isTrue();
        assertThat(m.group(1)).startsWith(client.clientNonce).hasSizeGreaterThan(client.clientNonce.length() + 16);
        assertThat(Base64.getDecoder().decode(m.group(2))).isEqualTo(alice.hashOf("alice").salt());
        assertThat(m.group(3)).isEqualTo("1000");
        assertThat(b).isNotEqualTo(a); // the server's half of the nonce is new each time
    }

    @Test
    void wrongPassword_failsWithBadUserNameOrPassword() {
        AuthStep last = run(scram.start("c1"), new ScramTestClient("alice", "wonderlant"));
        assertThat(last.isFailure()).isTrue();
        assertThat(last.reasonCode()).isEqualTo(0x86);
        assertThat(last.data()).isNull();
        assertThat(last.user()).isNull();
    }

    @Test
    void anotherUsersPassword_fails() {
        assertThat(run(scram.start("c"), new ScramTestClient("alice", "builder")).reasonCode()).isEqualTo(0x86);
        assertThat(run(scram.start("c"), new ScramTestClient("bob", "builder")).isSuccess()).isTrue();
    }

    @Test
    void unknownUser_looksLikeAKnownOne_untilItFailsLikeAWrongPassword() {
        ScramTestClient known = new ScramTestClient("alice", "nope");
        ScramTestClient unknown = new ScramTestClient("mallory", "nope");
        AuthExchange exKnown = scram.start("c");
        AuthExchange exUnknown = scram.start("c");
        AuthStep k1 = exKnown.step(known.clientFirst());
        AuthStep u1 = exUnknown.step(unknown.clientFirst());
        assertThat(u1.isContinue()).isTrue();
        Matcher mk = SERVER_FIRST.matcher(new String(k1.data(), StandardCharsets.UTF_8));
        Matcher mu = SERVER_FIRST.matcher(new String(u1.data(), StandardCharsets.UTF_8));
        assertThat(mk.matches()).isTrue();
        assertThat(mu.matches()).isTrue();
        assertThat(mu.group(1)).hasSameSizeAs(mk.group(1));
        assertThat(mu.group(2)).hasSameSizeAs(mk.group(2)); // same salt length
        assertThat(mu.group(3)).isEqualTo(mk.group(3));     // the iteration count the file's users have

        AuthStep k2 = exKnown.step(known.clientFinal(k1.data()));
        AuthStep u2 = exUnknown.step(unknown.clientFinal(u1.data()));
        assertThat(u2).usingRecursiveComparison().isEqualTo(k2);
        assertThat(u2.reasonCode()).isEqualTo(0x86);
    }

    @Test
    void unknownUser_getsTheSameSaltEveryTime_onEveryNode_butEachNameItsOwn() {
        String salt1 = salt(scram, "mallory");
        assertThat(salt(scram, "mallory")).isEqualTo(salt1);
        // another instance over the same file: another node, or this one after a restart
        assertThat(salt(new ScramSha512(() -> PasswordFile.parse("copy", alice.users().entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue().encode()).toList())), "mallory")).isEqualTo(salt1);
        assertThat(salt(scram, "trudy")).isNotEqualTo(salt1);
        // a real user's salt is stable too: that is what the stand-in imitates
        assertThat(salt(scram, "alice")).isEqualTo(salt(scram, "alice"));
    }

    @Test
    void unknownUser_getsTheIterationCountMostUsersHave() {
        PasswordFile mosquitto = PasswordFile.parse("m", List.of("test:" + MOSQUITTO_TEST));
        String first = new String(new ScramSha512(() -> mosquitto).start("c")
                .step(new ScramTestClient("ghost", "x").clientFirst()).data(), StandardCharsets.UTF_8);
        assertThat(first).endsWith(",i=101");
        String empty = new String(new ScramSha512(PasswordFile::empty).start("c")
                .step(new ScramTestClient("ghost", "x").clientFirst()).data(), StandardCharsets.UTF_8);
        assertThat(empty).endsWith(",i=" + PasswordHash.DEFAULT_ITERATIONS);
    }

    @Test
    void mosquittoPasswdFile_worksAsIs() {
        // SaltedPassword = Hi(password, salt, i) is exactly the stored PBKDF2-HMAC-SHA512 hash
        PasswordFile mosquitto = PasswordFile.parse("m", List.of("test:" + MOSQUITTO_TEST));
        ScramTestClient client = new ScramTestClient("test", "test");
        AuthStep last = run(new ScramSha512(() -> mosquitto).start("c"), client);
        assertThat(last.isSuccess()).as(last.toString()).isTrue();
        assertThat(client.serverFinalIsValid(last.data())).isTrue();
        assertThat(run(new ScramSha512(() -> mosquitto).start("c"), new ScramTestClient("test", "Test")).isFailure()).isTrue();
    }

    @Test
    void saltedPassword_isTheStoredHash_byThreeIndependentDerivations() throws Exception {
        PasswordHash stored = PasswordHash.parse(MOSQUITTO_TEST);
        byte[] byRfcDefinition = new ScramTestClient("test", "test").hi("test".getBytes(StandardCharsets.UTF_8),
                stored.salt(), stored.iterations());
        byte[] byJdk = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
                .generateSecret(new PBEKeySpec("test".toCharArray(), stored.salt(), stored.iterations(), 512))
                .getEncoded();
        assertThat(byRfcDefinition).isEqualTo(stored.hash()).isEqualTo(byJdk);
    }

    @Test
    void userNamesWithCommaAndEquals_areDecoded() {
        PasswordFile f = file("a,b=c", "pw");
        ScramTestClient client = new ScramTestClient("a,b=c", "pw");
        assertThat(new String(client.clientFirst(), StandardCharsets.UTF_8)).contains("n=a=2Cb=3Dc,");
        AuthStep last = run(new ScramSha512(() -> f).start("c"), client);
        assertThat(last.isSuccess()).isTrue();
        assertThat(last.user()).isEqualTo("a,b=c");
    }

    @Test
    void nonAsciiUserAndPassword_work() {
        PasswordFile f = file("zoë", "pässwörd");
        AuthStep last = run(new ScramSha512(() -> f).start("c"), new ScramTestClient("zoë", "pässwörd"));
        assertThat(last.isSuccess()).isTrue();
        assertThat(last.user()).isEqualTo("zoë");
    }

    @Test
    void tamperedNonce_fails() {
        ScramTestClient client = new ScramTestClient("alice", "wonderland");
        AuthExchange ex = scram.start("c");
        AuthStep first = ex.step(client.clientFirst());
        String nonce = new String(first.data(), StandardCharsets.UTF_8).split(",")[0].substring(2);
        client.finalNonce = nonce.substring(0, nonce.length() - 1) + (nonce.endsWith("A") ? "B" : "A");
        AuthStep last = ex.step(client.clientFinal(first.data()));
        assertThat(last.reasonCode()).isEqualTo(0x87);
        assertThat(last.reason()).contains("nonce");
    }

    @Test
    void clientNonceOnly_withoutTheServersHalf_fails() {
        ScramTestClient client = new ScramTestClient("alice", "wonderland");
        client.finalNonce = client.clientNonce;
        assertThat(run(scram.start("c"), client).reasonCode()).isEqualTo(0x87);
    }

    @Test
    void wrongChannelBinding_fails() {
        for (String c : new String[] {"eSws", "cD10bHMtdW5pcXVlLCw=", "", "biws=="}) {
            ScramTestClient client = new ScramTestClient("alice", "wonderland");
            client.channelBinding = c;
            AuthStep last = run(scram.start("c"), client);
            assertThat(last.isFailure()).as(c).isTrue();
            assertThat(last.reasonCode()).isEqualTo(0x87);
        }
    }

    @Test
    void gs2HeaderY_isAccepted_withItsOwnBinding() {
        ScramTestClient client = new ScramTestClient("alice", "wonderland");
        client.gs2Header = "y,,";
        AuthStep last = run(scram.start("c"), client);
        assertThat(last.isSuccess()).as(last.toString()).isTrue();

        ScramTestClient lying = new ScramTestClient("alice", "wonderland");
        lying.gs2Header = "y,,";
        lying.channelBinding = "biws"; // says n,, in the final message after y,, in the first
        assertThat(run(scram.start("c"), lying).reasonCode()).isEqualTo(0x87);
    }

    @Test
    void channelBindingRequest_andAuthorizationIdentity_areRefused() {
        for (String gs2 : new String[] {"p=tls-unique,,", "p=tls-server-end-point,,", "n,a=bob,", "y,a=alice,"}) {
            ScramTestClient client = new ScramTestClient("alice", "wonderland");
            client.gs2Header = gs2;
            AuthStep first = scram.start("c").step(client.clientFirst());
            assertThat(first.isFailure()).as(gs2).isTrue();
            assertThat(first.reasonCode()).isEqualTo(0x87);
        }
    }

    @Test
    void oversizeInput_isRefusedUnread_inEitherRound() {
        byte[] big = new byte[ScramExchange.MAX_MESSAGE_BYTES + 1];
        java.util.Arrays.fill(big, (byte) 'a');
        AuthStep s = scram.start("c").step(big);
        assertThat(s.reasonCode()).isEqualTo(0x87);
        assertThat(s.reason()).contains("over 4096 bytes");

        ScramTestClient client = new ScramTestClient("alice", "wonderland");
        client.clientNonce = "x".repeat(5000);
        assertThat(scram.start("c").step(client.clientFirst()).isFailure()).isTrue();

        AuthExchange ex = scram.start("c");
        ex.step(new ScramTestClient("alice", "wonderland").clientFirst());
        assertThat(ex.step(big).reasonCode()).isEqualTo(0x87);
    }

    @Test
    void aLongButHonestMessage_isAccepted() {
        ScramTestClient client = new ScramTestClient("alice", "wonderland");
        client.clientNonce = "n".repeat(1000);
        assertThat(run(scram.start("c"), client).isSuccess()).isTrue();
    }

    @Test
    void missingData_andStepsAfterTheEnd_fail() {
        assertThat(scram.start("c").step(null).reasonCode()).isEqualTo(0x87);
        ScramTestClient client = new ScramTestClient("alice", "wonderland");
        AuthExchange ex = scram.start("c");
        assertThat(run(ex, client).isSuccess()).isTrue();
        AuthStep again = ex.step(client.clientFirst());
        assertThat(again.reasonCode()).isEqualTo(0x82);
        assertThat(ex.finished()).isTrue();

        AuthExchange failed = scram.start("c");
        assertThat(failed.step(new byte[] {'x'}).isFailure()).isTrue();
        assertThat(failed.step(client.clientFirst()).reasonCode()).isEqualTo(0x82);
    }

    @Test
    void aHashShorterThanOneSha512Block_cannotServeScram_andFailsLikeAnUnknownUser() {
        // a $7$ line with a 32-byte hash: valid for PasswordHash, but not a SCRAM-SHA-512 SaltedPassword
        byte[] salt = new byte[12];
        String shortHash = "$7$1000$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(new byte[32]);
        PasswordFile f = PasswordFile.parse("s", List.of("short:" + shortHash));
        AuthStep last = run(new ScramSha512(() -> f).start("c"), new ScramTestClient("short", "anything"));
        assertThat(last.reasonCode()).isEqualTo(0x86);
    }

    @Test
    void reloadOfThePasswordFile_appliesToTheNextExchange() throws Exception {
        Path passwords = dir.resolve("passwords");
        PasswordFile.update(passwords, "alice", PasswordHash.create("one".getBytes(StandardCharsets.UTF_8), 1000));
        BrokerConfig config = BrokerConfig.defaults().with(Map.of("auth.password-file", passwords.toString(),
                "auth.allow-anonymous", "false"));
        Security security = Security.start(config, null);
        ScramSha512 method = new ScramSha512(security);
        assertThat(run(method.start("c"), new ScramTestClient("alice", "one")).isSuccess()).isTrue();
        assertThat(run(method.start("c"), new ScramTestClient("carol", "three")).isFailure()).isTrue();

        // an exchange that began before the reload finishes against what it was told
        ScramTestClient early = new ScramTestClient("alice", "one");
        AuthExchange inFlight = method.start("c");
        AuthStep earlyFirst = inFlight.step(early.clientFirst());

        PasswordFile.update(passwords, "alice", PasswordHash.create("two".getBytes(StandardCharsets.UTF_8), 1000));
        PasswordFile.update(passwords, "carol", PasswordHash.create("three".getBytes(StandardCharsets.UTF_8), 1000));
        assertThat(security.reload(true)).isTrue();

        assertThat(run(method.start("c"), new ScramTestClient("alice", "one")).reasonCode()).isEqualTo(0x86);
        assertThat(run(method.start("c"), new ScramTestClient("alice", "two")).isSuccess()).isTrue();
        assertThat(run(method.start("c"), new ScramTestClient("carol", "three")).isSuccess()).isTrue();
        assertThat(inFlight.step(early.clientFinal(earlyFirst.data())).isSuccess()).isTrue();

        PasswordFile.update(passwords, "carol", null);
        assertThat(security.reload(true)).isTrue();
        assertThat(run(method.start("c"), new ScramTestClient("carol", "three")).reasonCode()).isEqualTo(0x86);
    }

    private static String salt(ScramSha512 method, String user) {
        String first = new String(method.start("c").step(new ScramTestClient(user, "x").clientFirst()).data(),
                StandardCharsets.UTF_8);
        Matcher m = SERVER_FIRST.matcher(first);
        assertThat(m.matches()).as(first).isTrue();
        return m.group(2);
    }
}
