package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.config.ConfigException;
import io.mqttcluster.broker.connection.MqttListener.Transport;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.TestCerts;
import io.mqttcluster.broker.testing.TestNode;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
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
 * TLS, mutual TLS and WebSocket listeners with real clients: mosquitto_pub/sub with --cafile and client
 * certificates, Paho over ssl://, ws:// and wss://; an untrusted client certificate refused; the
 * certificate's CN as the user name for the ACL; a renewed certificate served without a restart.
 * Certificates are made by openssl for the run.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsIT {

    @TempDir
    Path dir;

    private TestCerts ca;
    private TestCerts.Pair server;
    private Path cert;
    private Path key;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void certificates() throws Exception {
        ca = TestCerts.create(dir, "test-ca");
        server = ca.issue("server", "localhost", true);
        // the node reads copies, so that a test can replace them
        cert = Files.copy(server.cert(), dir.resolve("node-cert.pem"));
        key = Files.copy(server.key(), dir.resolve("node-key.pem"));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private BrokerNode node(Map<String, String> extra) throws Exception {
        Map<String, String> o = new HashMap<>();
        o.put("tls.enabled", "true");
        o.put("tls.port", "0");
        o.put("tls.cert-file", cert.toString());
        o.put("tls.key-file", key.toString());
        o.putAll(extra);
        BrokerNode n = TestNode.start(o);
        open.add(n::stop);
        return n;
    }

    private Paho paho(String uri, String id, SSLSocketFactory sf) throws Exception {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setConnectionTimeout(5);
        if (sf != null) {
            o.setSocketFactory(sf);
        }
        Paho p = Paho.connectUri(uri, id, o);
        open.add(p);
        return p;
    }

    @Test
    void mosquittoClientsOverTls() throws Exception {
        assumeMosquittoClients();
        BrokerNode n = node(Map.of());
        int tls = n.port(Transport.TLS);
        Paho sub = paho("ssl://127.0.0.1:" + tls, "tls-sub", ca.socketFactory(null));
        sub.subscribe("tls/#", 1);
        Result r = run("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(tls), "--cafile", ca.caCert.toString(),
                "-t", "tls/hello", "-m", "over tls", "-q", "1");
        assertThat(r.code).as(r.output).isZero();
        Paho.Received got = sub.next(5000);
        assertThat(got).isNotNull();
        assertThat(got.payload()).isEqualTo("over tls");

        // a client that does not trust our CA gives up; the plain port still works beside it
        TestCerts other = TestCerts.create(dir, "other-ca");
        Result untrusting = run("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(tls), "--cafile",
                other.caCert.toString(), "-t", "tls/x", "-m", "x");
        assertThat(untrusting.code).isNotZero();
        try (Paho plain = Paho.connect(n.mqttPort(), "plain", true)) {
            plain.publish("tls/plain", "still here", 1, false);
        }
        assertThat(sub.next(5000).payload()).isEqualTo("still here");
    }

    @Test
    void mutualTlsRefusesUntrustedCertificatesAndNamesTheUserByCn() throws Exception {
        assumeMosquittoClients();
        TestCerts.Pair device = ca.issue("device-1", "device-1", false);
        TestCerts rogue = TestCerts.create(dir, "rogue-ca");
        TestCerts.Pair forged = rogue.issue("forged", "device-1", false);
        Path acl = dir.resolve("acl");
        Files.writeString(acl, """
                allow publish devices/%u/#
                allow subscribe #
                """);
        BrokerNode n = node(Map.of("tls.client-auth", "required", "tls.ca-file", ca.caCert.toString(),
                "auth.use-identity-as-username", "true", "auth.allow-anonymous", "false",
                "auth.acl-file", acl.toString(), "auth.acl-default", "deny"));
        int tls = n.port(Transport.TLS);
        Paho watcher = paho("ssl://127.0.0.1:" + tls, "watcher", ca.socketFactory(ca.issue("watcher", "watcher", false)));
        watcher.subscribe("devices/#", 1);

        Result own = run("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(tls), "--cafile", ca.caCert.toString(),
                "--cert", device.cert().toString(), "--key", device.key().toString(), "-i", "d1",
                "-t", "devices/device-1/temp", "-m", "21", "-q", "1");
        assertThat(own.code).as(own.output).isZero();
        Result notOwn = run("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(tls), "--cafile", ca.caCert.toString(),
                "--cert", device.cert().toString(), "--key", device.key().toString(), "-i", "d1",
                "-t", "devices/device-2/temp", "-m", "spoof", "-q", "1");
        assertThat(notOwn.code).as(notOwn.output).isZero(); // acknowledged, not delivered
        Paho.Received got = watcher.next(5000);
        assertThat(got).isNotNull();
        assertThat(got.topic()).isEqualTo("devices/device-1/temp");

        Result noCert = run("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(tls), "--cafile", ca.caCert.toString(),
                "-t", "devices/x", "-m", "x");
        assertThat(noCert.code).isNotZero();
        Result forgedCert = run("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(tls), "--cafile", ca.caCert.toString(),
                "--cert", forged.cert().toString(), "--key", forged.key().toString(), "-t", "devices/device-1/x", "-m", "x");
        assertThat(forgedCert.code).isNotZero();
        assertThat(watcher.next(300)).isNull();
    }

    @Test
    void webSocketAndSecureWebSocket() throws Exception {
        BrokerNode n = node(Map.of("ws.enabled", "true", "ws.port", "0", "wss.enabled", "true", "wss.port", "0"));
        Paho ws = paho("ws://127.0.0.1:" + n.port(Transport.WS) + "/mqtt", "ws-client", null);
        Paho wss = paho("wss://127.0.0.1:" + n.port(Transport.WSS) + "/mqtt", "wss-client", ca.socketFactory(null));
        ws.subscribe("web/#", 2);
        wss.publish("web/a", "from wss", 2, false);
        Paho.Received got = ws.next(5000);
        assertThat(got).isNotNull();
        assertThat(got.payload()).isEqualTo("from wss");
        // a large payload spans many WebSocket frames and TCP segments
        String big = "x".repeat(200_000);
        wss.subscribe("web/big", 1);
        ws.publish("web/big", big, 1, false);
        Paho.Received first = ws.next(5000);
        Paho.Received second = wss.next(5000);
        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(second.payload()).hasSize(200_000);

        // the wrong path is not upgraded
        assertThatThrownBy(() -> paho("ws://127.0.0.1:" + n.port(Transport.WS) + "/nope", "lost", null))
                .isInstanceOf(Exception.class);
    }

    @Test
    void renewedCertificateIsServedWithoutRestart() throws Exception {
        BrokerNode n = node(Map.of("security.reload-interval", "200ms"));
        int tls = n.port(Transport.TLS);
        BigInteger before = servedSerial(tls);
        TestCerts.Pair renewed = ca.issue("server-2", "localhost", true);
        // replace both files the way a certificate manager does: new files moved over the old ones
        Files.copy(renewed.key(), dir.resolve("k.tmp"));
        Files.copy(renewed.cert(), dir.resolve("c.tmp"));
        Files.move(dir.resolve("k.tmp"), key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(dir.resolve("c.tmp"), cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        BigInteger expected = ((X509Certificate) TestCerts.certificates(renewed.cert()).get(0)).getSerialNumber();
        assertThat(expected).isNotEqualTo(before);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> servedSerial(tls).equals(expected));
        try (Paho p = paho("ssl://127.0.0.1:" + tls, "after-renewal", ca.socketFactory(null))) {
            assertThat(p.client.isConnected()).isTrue();
        }
    }

    @Test
    void missingOrBrokenTlsFilesStopStartupNamingTheKey() throws Exception {
        assertThatThrownBy(() -> TestNode.start(Map.of("tls.enabled", "true", "tls.port", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.cert-file");
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");
        assertThatThrownBy(() -> TestNode.start(Map.of("tls.enabled", "true", "tls.port", "0",
                "tls.cert-file", notPem.toString(), "tls.key-file", key.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.cert-file");
        assertThatThrownBy(() -> TestNode.start(Map.of("tls.enabled", "true", "tls.port", "0",
                "tls.cert-file", cert.toString(), "tls.key-file", notPem.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.key-file");
        assertThatThrownBy(() -> TestNode.start(Map.of("tls.enabled", "true", "tls.port", "0",
                "tls.cert-file", cert.toString(), "tls.key-file", key.toString(), "tls.client-auth", "required")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.ca-file");
    }

    private BigInteger servedSerial(int port) throws Exception {
        try (SSLSocket s = (SSLSocket) ca.socketFactory(null).createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static void assumeMosquittoClients() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/mosquitto_pub")),
                "mosquitto-clients is installed by scripts/test.sh");
    }

    record Result(int code, String output) {
    }

    static Result run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
