package io.mqttcluster.broker.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PasswordHashTest {

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void hashesAreSaltedAndCheckedInTheirOwnFormat() {
        PasswordHash a = PasswordHash.create(b("pässword"), 1000);
        PasswordHash again = PasswordHash.create(b("pässword"), 1000);
        assertThat(a.encode()).startsWith("$7$1000$").isNotEqualTo(again.encode());
        PasswordHash parsed = PasswordHash.parse(a.encode());
        assertThat(parsed.matches(b("pässword"))).isTrue();
        assertThat(parsed.matches(b("password"))).isFalse();
        assertThat(parsed.matches(b(""))).isFalse();
    }

    @Test
    void readsWhatMosquittoPasswdWrites() {
        // mosquitto_passwd 2.0 (PBKDF2-SHA512, 101 iterations) for user "test", password "test"
        String line = "$7$101$6DOqFeGr4xevVouY$QyReP7ArWvF+2qgzC+vhLHpAhW76dw81nK5vwqG8n/eIaNlVm3GfzpRPCf6defQTstrD4hJz1r7iXWr9gSDWHw==";
        PasswordHash h = PasswordHash.parse(line);
        assertThat(h.iterations()).isEqualTo(101);
        assertThat(h.matches(b("test"))).isTrue();
        assertThat(h.matches(b("Test"))).isFalse();
    }

    @Test
    void fastAndPlainHashesAreRefused() {
        assertThatThrownBy(() -> PasswordHash.parse("$6$abc$def")).hasMessageContaining("too fast");
        assertThatThrownBy(() -> PasswordHash.parse("hunter2")).hasMessageContaining("plain-text");
        assertThatThrownBy(() -> PasswordHash.parse("$7$x$a$b")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> PasswordHash.create(b("p"), 1)).hasMessageContaining("iterations");
    }

    @Test
    void passwdCommandAddsChangesAndRemovesUsers() throws Exception {
        Path file = dir.resolve("passwords");
        assertThat(passwd(null, "-b", "--iterations", "1000", file.toString(), "alice", "one")).isZero();
        assertThat(passwd("two\n", "--iterations", "1000", file.toString(), "bob")).isZero();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        PasswordFile f = PasswordFile.load(file);
        assertThat(f.users()).containsOnlyKeys("alice", "bob");
        assertThat(f.hashOf("bob").matches(b("two"))).isTrue();

        assertThat(passwd(null, "-b", "--iterations", "1000", file.toString(), "alice", "three")).isZero();
        assertThat(PasswordFile.load(file).hashOf("alice").matches(b("three"))).isTrue();
        assertThat(passwd(null, "-D", file.toString(), "bob")).isZero();
        assertThat(PasswordFile.load(file).users()).containsOnlyKeys("alice");
        assertThat(Files.readString(file)).doesNotContain("three");

        assertThat(passwd(null, "-b", file.toString(), "al:ice", "x")).isEqualTo(1);
        assertThat(passwd(null, file.toString())).isEqualTo(2);
        assertThat(passwd(null, "--iterations", "nope", file.toString(), "x")).isEqualTo(2);
    }

    @Test
    void brokenFilesNameTheLine() {
        assertThatThrownBy(() -> PasswordFile.parse("pw", java.util.List.of("# users", "alice"))).hasMessageStartingWith("pw:2:");
        String h = PasswordHash.create(b("x"), 1000).encode();
        assertThatThrownBy(() -> PasswordFile.parse("pw", java.util.List.of("a:" + h, "a:" + h))).hasMessageContaining("twice");
    }

    private static int passwd(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return PasswdCommand.run(args, null, new ByteArrayInputStream(stdin == null ? new byte[0] : b(stdin)),
                new PrintStream(out), new PrintStream(new ByteArrayOutputStream()));
    }
}
