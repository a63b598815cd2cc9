package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.auth.PasswordFile;
import io.mqttcluster.broker.auth.PasswordHash;
import io.mqttcluster.broker.config.ConfigException;
import io.mqttcluster.broker.testing.LogCapture;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.TestNode;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttSecurityException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Authentication and authorisation as a client sees them: CONNACK codes for wrong, unknown and missing
 * credentials; ACL rules with %u and %c for publish and subscribe (SUBACK 0x80, a denied PUBLISH
 * acknowledged and delivered to no one, a will on a denied topic refused); files reloaded while clients
 * are connected; bad files stopping start-up with the key named.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SecurityIT {

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    private BrokerNode node(Map<String, String> overrides) throws Exception {
        BrokerNode n = TestNode.start(overrides);
        open.add(n::stop);
        return n;
    }

    private Path passwords(String... userPassword) throws Exception {
        Path file = dir.resolve("passwords");
        for (int i = 0; i < userPassword.length; i += 2) {
            PasswordFile.update(file, userPassword[i], PasswordHash.create(userPassword[i + 1].getBytes(StandardCharsets.UTF_8), 1000));
        }
        return file;
    }

    private static MqttConnectOptions login(String user, String password) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setConnectionTimeout(5);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1); // no second try as 3.1 after a refusal
        if (user != null) {
            o.setUserName(user);
        }
        if (password != null) {
            o.setPassword(password.toCharArray());
        }
        return o;
    }

    private static int refusalCode(int port, String clientId, MqttConnectOptions o) {
        try (Paho p = Paho.connect(port, clientId, o)) {
            return 0;
        } catch (MqttSecurityException e) {
            return e.getReasonCode();
        } catch (MqttException e) {
            return e.getReasonCode();
        }
    }

    @Test
    void passwordFileDecidesWhoConnects() throws Exception {
        Path file = passwords("alice", "correct horse", "bob", "battery staple");
        BrokerNode n = node(Map.of("auth.allow-anonymous", "false", "auth.password-file", file.toString()));
        int port = n.mqttPort();

        assertThat(refusalCode(port, "a1", login("alice", "correct horse"))).isZero();
        assertThat(refusalCode(port, "a2", login("alice", "wrong"))).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION); // 0x04
        assertThat(refusalCode(port, "a3", login("mallory", "correct horse"))).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        assertThat(refusalCode(port, "a4", login("alice", null))).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        assertThat(refusalCode(port, "a5", login(null, null))).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED); // 0x05
        // a passed check is remembered: the second connect of the same user does not wait for PBKDF2 again
        assertThat(refusalCode(port, "a6", login("alice", "correct horse"))).isZero();

        String metrics = scrape(n);
        assertThat(metrics).contains("mqtt_auth_failures_total{node=\"test-node\",reason=\"bad_credentials\"} 3.0");
        assertThat(metrics).contains("mqtt_auth_failures_total{node=\"test-node\",reason=\"not_authorized\"} 1.0");
        assertThat(n.broker().security().rules().passwords().size()).isEqualTo(2);
    }

    @Test
    void passwordsAreNeverLogged() throws Exception {
        Path file = passwords("alice", "s3cret-value");
        BrokerNode n = node(Map.of("auth.allow-anonymous", "false", "auth.password-file", file.toString()));
        try (LogCapture logs = LogCapture.install()) {
            refusalCode(n.mqttPort(), "x1", login("alice", "wrong-s3cret"));
            refusalCode(n.mqttPort(), "x2", login("alice", "s3cret-value"));
            String text = logs.events.stream().map(e -> e.getFormattedMessage()).reduce("", (a, b) -> a + "\n" + b);
            assertThat(text).contains("connect_refused").doesNotContain("s3cret");
        }
    }

    @Test
    void aclAllowsAndDeniesPublishAndSubscribeWithSubstitution() throws Exception {
        Path acl = dir.resolve("acl");
        Files.writeString(acl, """
                # the backend reads everything and sends commands; devices write their own telemetry and read
                # their own commands and everyone's status, never anyone's secrets
                default deny
                allow subscribe devices/#               user backend
                allow publish   devices/+/commands/#    user backend
                allow publish   devices/%c/telemetry
                allow subscribe devices/%c/commands/#
                allow pubsub    users/%u/#
                deny  subscribe devices/+/secrets/#
                allow subscribe devices/+/status
                """);
        BrokerNode n = node(Map.of("auth.acl-file", acl.toString()));
        int port = n.mqttPort();
        Paho backend = keep(Paho.connect(port, "backend-1", login("backend", null)));
        assertThat(backend.subscribeGranted("devices/#", 1)).isEqualTo(1);
        Paho dev = keep(Paho.connect(port, "dev7", login("dave", null)));

        // subscribe: %c, %u; a filter wholly denied is refused, one partly denied is granted and filtered
        assertThat(dev.subscribeGranted("devices/dev7/commands/#", 1)).isEqualTo(1);
        assertThat(dev.subscribeGranted("devices/dev8/commands/#", 1)).isEqualTo(0x80);
        assertThat(dev.subscribeGranted("users/dave/inbox", 1)).isEqualTo(1);
        assertThat(dev.subscribeGranted("users/+/inbox", 1)).isEqualTo(1); // only users/dave/inbox reaches it
        assertThat(dev.subscribeGranted("devices/+/status", 0)).isEqualTo(0);
        assertThat(dev.subscribeGranted("devices/#", 0)).isEqualTo(0); // never devices/x/secrets, nor others' commands

        // publish: allowed arrives, denied is acknowledged (QoS 1 completes) but reaches no one
        dev.publish("devices/dev8/telemetry", "spoofed", 1, false);
        dev.publish("devices/dev7/telemetry", "t=21", 1, false);
        Paho.Received got = backend.next(5000);
        assertThat(got).isNotNull();
        assertThat(got.topic()).isEqualTo("devices/dev7/telemetry");
        assertThat(got.payload()).isEqualTo("t=21");

        backend.publish("devices/dev7/commands/reboot", "now", 1, false);
        Paho.Received cmd = dev.next(5000);
        assertThat(cmd).isNotNull();
        assertThat(cmd.topic()).isEqualTo("devices/dev7/commands/reboot");
        // the backend sees its own command (it reads devices/#), never the spoofed telemetry
        assertThat(backend.next(5000).topic()).isEqualTo("devices/dev7/commands/reboot");
        assertThat(backend.received).isEmpty();
        // two held back: the spoofed publish, and dev7's own telemetry that its devices/# would otherwise return
        assertThat(scrape(n)).contains("mqtt_messages_dropped_total{node=\"test-node\",reason=\"not_authorized\"} 2.0");
        assertThat(dev.received).isEmpty();

        // the wildcard subscriptions get what dave may read, not erin's inbox nor another device's commands
        Paho erin = keep(Paho.connect(port, "erin-1", login("erin", null)));
        erin.publish("users/erin/inbox", "for erin", 1, false);
        backend.publish("devices/dev9/commands/x", "for dev9", 1, false);
        backend.next(5000); // its own command: delivered to readers, so the routing is done
        dev.publish("users/dave/inbox", "for dave", 1, false);
        Paho.Received mine = dev.next(5000);
        assertThat(mine).isNotNull();
        assertThat(mine.topic()).isEqualTo("users/dave/inbox");
        assertThat(dev.next(300)).isNull();
        assertThat(scrape(n)).contains("mqtt_messages_dropped_total{node=\"test-node\",reason=\"not_authorized\"} 4.0");
    }

    @Test
    void sharedSubscriptionGroupsAreUnderTheAcl_andDollarIdsAreNotSubstituted() throws Exception {
        Path acl = dir.resolve("acl");
        Files.writeString(acl, """
                default deny
                allow subscribe jobs/#
                allow publish   jobs/#        user backend
                allow share     workers       user backend
                allow share     team-%u
                allow subscribe %c/#
                """);
        BrokerNode n = node(Map.of("auth.acl-file", acl.toString()));
        int port = n.mqttPort();
        Paho worker = keep(Paho.connect(port, "worker-1", login("backend", null)));
        assertThat(worker.subscribeGranted("$share/workers/jobs/#", 1)).isEqualTo(1);
        Paho alice = keep(Paho.connect(port, "alice-1", login("alice", null)));
        assertThat(alice.subscribeGranted("$share/workers/jobs/#", 1)).as("another team's group").isEqualTo(0x80);
        assertThat(alice.subscribeGranted("$share/team-alice/jobs/#", 1)).isEqualTo(1);
        assertThat(alice.subscribeGranted("jobs/#", 1)).as("the topics themselves stay readable").isEqualTo(1);

        worker.publish("jobs/1", "build", 1, false);
        Paho.Received job = worker.next(5000);
        assertThat(job).isNotNull();
        assertThat(job.payload()).isEqualTo("build");
        assertThat(alice.next(5000)).as("its plain subscription").isNotNull();
        assertThat(alice.next(5000)).as("its own group's share").isNotNull();
        assertThat(alice.next(300)).as("nothing from the workers' group").isNull();

        // a client id of $SYS does not turn "%c/#" into "$SYS/#"
        Paho sys = keep(Paho.connect(port, "$SYS", login("mallory", null)));
        assertThat(sys.subscribeGranted("$SYS/#", 0)).isEqualTo(0x80);
    }

    @Test
    void deniedRetainedPublishIsNotStoredAndDeniedWillIsRefused() throws Exception {
        Path acl = dir.resolve("acl");
        Files.writeString(acl, """
                allow publish status/%c
                allow subscribe #
                """);
        BrokerNode n = node(Map.of("auth.acl-file", acl.toString(), "auth.acl-default", "deny"));
        int port = n.mqttPort();
        try (Paho p = Paho.connect(port, "c1", true)) {
            p.publish("status/other", "stolen", 1, true);
            p.publish("status/c1", "mine", 1, true);
        }
        Paho s = keep(Paho.connect(port, "reader", true));
        s.subscribe("status/#", 1);
        Paho.Received r = s.next(5000);
        assertThat(r).isNotNull();
        assertThat(r.topic()).isEqualTo("status/c1");
        assertThat(s.next(300)).isNull();

        MqttConnectOptions withWill = login(null, null);
        withWill.setWill("status/someone-else", "gone".getBytes(StandardCharsets.UTF_8), 1, false);
        assertThat(refusalCode(port, "c2", withWill)).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED);
        MqttConnectOptions ownWill = login(null, null);
        ownWill.setWill("status/c3", "gone".getBytes(StandardCharsets.UTF_8), 1, false);
        assertThat(refusalCode(port, "c3", ownWill)).isZero();
    }

    @Test
    void reloadedFilesApplyWithoutRestartAndRevokeSubscriptions() throws Exception {
        Path file = passwords("alice", "one");
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "allow pubsub #\n");
        BrokerNode n = node(Map.of("auth.allow-anonymous", "false", "auth.password-file", file.toString(),
                "auth.acl-file", acl.toString(), "security.reload-interval", "200ms"));
        int port = n.mqttPort();
        assertThat(refusalCode(port, "b1", login("bob", "two"))).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        Paho alice = keep(Paho.connect(port, "alice-1", login("alice", "one")));
        assertThat(alice.subscribeGranted("secret/#", 1)).isEqualTo(1);

        // add a user, change the rules; no restart
        PasswordFile.update(file, "bob", PasswordHash.create("two".getBytes(StandardCharsets.UTF_8), 1000));
        Files.writeString(acl, "deny subscribe secret/#\nallow pubsub #\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> n.broker().security().rules().version() >= 2
                && refusalCode(port, "b2", login("bob", "two")) == 0);
        // alice's existing subscription is taken away: a publish to it no longer reaches her
        await().atMost(Duration.ofSeconds(10)).until(() -> scrape(n).contains("mqtt_subscriptions_revoked_total{node=\"test-node\"} 1.0"));
        try (Paho bob = Paho.connect(port, "b3", login("bob", "two"))) {
            bob.publish("secret/plans", "x", 1, false);
            bob.publish("public/news", "y", 1, false);
        }
        assertThat(alice.subscribeGranted("public/#", 1)).isEqualTo(1);
        assertThat(alice.subscribeGranted("secret/#", 1)).isEqualTo(0x80);

        // a broken file keeps the rules in force, and says so
        Files.writeString(acl, "allow everything please\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> n.broker().security().reloadFailures() >= 1);
        assertThat(alice.subscribeGranted("secret/#", 1)).isEqualTo(0x80);
        assertThat(refusalCode(port, "b4", login("bob", "two"))).isZero();
    }

    @Test
    void badSecurityConfigurationStopsStartupNamingTheKey() throws Exception {
        Path bad = dir.resolve("bad-passwords");
        Files.writeString(bad, "alice:plaintext\n");
        assertThatThrownBy(() -> TestNode.start(Map.of("auth.password-file", bad.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.password-file").hasMessageContaining(":1:");
        Path fast = dir.resolve("fast");
        Files.writeString(fast, "bob:$6$abcdefgh$aGVsbG8=\n");
        assertThatThrownBy(() -> TestNode.start(Map.of("auth.password-file", fast.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("$6$");
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "allow publish\n");
        assertThatThrownBy(() -> TestNode.start(Map.of("auth.acl-file", acl.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.acl-file").hasMessageContaining(":1:");
        assertThatThrownBy(() -> TestNode.start(Map.of("auth.allow-anonymous", "false")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.allow-anonymous");
        assertThatThrownBy(() -> TestNode.start(Map.of("auth.password-file", dir.resolve("missing").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.password-file");
    }

    @Test
    void mosquittoPasswdFilesWork() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/mosquitto_passwd")),
                "mosquitto_passwd (Debian's mosquitto package) is installed by scripts/test.sh");
        Path file = dir.resolve("mosq-passwords");
        Process p = new ProcessBuilder("mosquitto_passwd", "-c", "-b", file.toString(), "carol", "from mosquitto")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        BrokerNode n = node(Map.of("auth.allow-anonymous", "false", "auth.password-file", file.toString()));
        assertThat(refusalCode(n.mqttPort(), "m1", login("carol", "from mosquitto"))).isZero();
        assertThat(refusalCode(n.mqttPort(), "m2", login("carol", "from mosquitt"))).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);
    }

    static String scrape(BrokerNode n) {
        try {
            var client = java.net.http.HttpClient.newHttpClient();
            return client.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + n.httpPort() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> map(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
