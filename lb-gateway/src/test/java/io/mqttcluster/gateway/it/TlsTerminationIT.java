package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.config.ConfigException;
import io.mqttcluster.gateway.config.GatewayOptions;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS ends at the gateway (it must read the CONNECT to hash the client id) and the client's certificate
 * identity reaches the node in the PROXY v2 header: a device with a certificate connects through the
 * gateway's TLS port to one of our nodes (a process), and the node knows it by the certificate's CN (its
 * ACL lets it publish only under devices/&lt;CN&gt;/); a client with a certificate from another CA is refused
 * at the handshake, counted, and never reaches a node.
 */
@Timeout(180)
class TlsTerminationIT {

    @TempDir
    Path dir;

    @Test
    void clientCertificateIdentityReachesTheNodeThroughTheGateway() throws Exception {
        Assumptions.assumeTrue(BrokerNodes.available(), "broker-node.jar not built");
        Path ca = ca("ca");
        Path[] server = issue("ca", "gateway", "localhost", true);
        Path[] device = issue("ca", "device", "device-42", false);
        Path rogueCa = ca("rogue");
        Path[] forged = issue("rogue", "forged", "device-42", false);
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "allow publish devices/%u/#\nallow subscribe #\n");

        try (BrokerNodes cluster = BrokerNodes.plan(1, true); Gateways gateways = new Gateways()) {
            cluster.extraArgs.addAll(List.of("--set", "auth.use-identity-as-username=true",
                    "--set", "auth.acl-file=" + acl, "--set", "auth.acl-default=deny"));
            cluster.startAll();
            GatewayOptions o = BrokerClusterIT.options(cluster.entries()).setProxyProtocol(true)
                    .setTlsEnabled(true).setTlsPort(0).setTlsCertFile(server[0].toString()).setTlsKeyFile(server[1].toString())
                    .setTlsCaFile(ca.toString()).setTlsClientAuth(GatewayOptions.TlsClientAuth.REQUIRED);
            Gateway g = gateways.start(o);
            BrokerClusterIT.awaitUp(g, cluster.keys());

            // the node's MQTT port expects PROXY headers, so the watcher also comes through the gateway
            MqttClient watcher = new MqttClient("ssl://127.0.0.1:" + g.tlsPort(), "watcher", new MemoryPersistence());
            List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            watcher.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                    seen.add(topic);
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) {
                }
            });
            Path[] watcherCert = issue("ca", "watcher", "watcher", false);
            watcher.connect(tls(ca, watcherCert));
            watcher.subscribe("devices/#", 1);

            MqttClient dev = new MqttClient("ssl://127.0.0.1:" + g.tlsPort(), "dev-42", new MemoryPersistence());
            dev.connect(tls(ca, device));
            String onNode = cluster.client(0, "dev-42");
            assertThat(onNode).contains("\"user\":\"device-42\"").contains("\"remote\":\"127.0.0.1:");
            dev.publish("devices/device-7/temp", "spoofed".getBytes(StandardCharsets.UTF_8), 1, false);
            dev.publish("devices/device-42/temp", "21".getBytes(StandardCharsets.UTF_8), 1, false);
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("devices/device-42/temp"));
            assertThat(seen).doesNotContain("devices/device-7/temp");
            dev.disconnect();
            dev.close();

            // a certificate from another CA: refused by the gateway's handshake, counted
            MqttClient rogue = new MqttClient("ssl://127.0.0.1:" + g.tlsPort(), "dev-42", new MemoryPersistence());
            assertThatThrownBy(() -> rogue.connect(tls(ca, forged))).isInstanceOf(Exception.class);
            rogue.close();
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    g.registry().scrape().contains("gateway_rejected_connections_total{reason=\"tls_handshake\"} 1.0"));
            watcher.disconnect();
            watcher.close();
        }
        assertThat(rogueCa).exists();
    }

    /**
     * A TLS connection over the listener's accept rate waits, unread, before its handshake (the TLS handler is added
     * when its turn comes) and then connects: three at once under a rate of 1/s, burst 1, all get their CONNACK.
     */
    @Test
    void tlsConnectionsOverTheAcceptRate_waitTheirTurnThenHandshakeAndConnect() throws Exception {
        Assumptions.assumeTrue(Mosquitto.available(), "mosquitto not installed");
        Path ca = ca("ca");
        Path[] server = issue("ca", "gateway", "localhost", true);
        try (Mosquitto broker = Mosquitto.start(); Gateways gateways = new Gateways()) {
            Gateway g = gateways.start(Gateways.options(List.of(broker.key())).setTlsEnabled(true).setTlsPort(0)
                    .setTlsCertFile(server[0].toString()).setTlsKeyFile(server[1].toString())
                    .setAcceptRate(1).setAcceptBurst(1));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trusting(ca).getTrustManagers(), null);
            List<javax.net.ssl.SSLSocket> sockets = new ArrayList<>();
            try {
                long t0 = System.nanoTime();
                for (int i = 0; i < 3; i++) {
                    javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", g.tlsPort());
                    sockets.add(s);
                    s.setSoTimeout(15_000);
                }
                for (int i = 0; i < 3; i++) {
                    javax.net.ssl.SSLSocket s = sockets.get(i);
                    s.startHandshake();
                    s.getOutputStream().write(io.mqttcluster.gateway.connect.ConnectPackets.v311("tls-paced-" + i).bytes());
                    assertThat(s.getInputStream().readNBytes(4)).as("CONNACK %d", i).containsExactly(0x20, 0x02, 0x00, 0x00);
                }
                assertThat((System.nanoTime() - t0) / 1e6).as("two waited their turn, 1 s apart").isGreaterThanOrEqualTo(1_500);
                assertThat(g.metrics().acceptsDelayedCount("listener")).isEqualTo(2);
            } finally {
                for (javax.net.ssl.SSLSocket s : sockets) {
                    s.close();
                }
            }
        }
    }

    private static TrustManagerFactory trusting(Path ca) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf;
    }

    @Test
    void tlsWithoutProxyProtocolOrFilesIsRefusedAtStartup() {
        assertThatThrownBy(() -> Gateways.options(List.of("127.0.0.1:1883")).setTlsEnabled(true).validate())
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.cert-file");
        assertThatThrownBy(() -> Gateways.options(List.of("127.0.0.1:1883")).setTlsEnabled(true).setTlsCertFile("c").setTlsKeyFile("k")
                .setTlsClientAuth(GatewayOptions.TlsClientAuth.REQUIRED).setTlsCaFile("a").validate())
                .isInstanceOf(ConfigException.class).hasMessageContaining("proxy-protocol");
    }

    private static MqttConnectOptions tls(Path ca, Path[] client) throws Exception {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setConnectionTimeout(10);
        o.setAutomaticReconnect(false);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1); // no second attempt as 3.1 after a failure
        o.setSocketFactory(socketFactory(ca, client));
        return o;
    }

    private static SSLSocketFactory socketFactory(Path ca, Path[] client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        Path p12 = client[0].resolveSibling(client[0].getFileName() + ".p12");
        openssl(client[0].getParent(), "pkcs12", "-export", "-in", client[0].toString(), "-inkey", client[1].toString(),
                "-out", p12.toString(), "-passout", "pass:test");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            keys.load(in, "test".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "test".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    /** A throw-away CA made by openssl: {@code dir/name.pem} and {@code .key}. */
    private Path ca(String name) throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + name);
        return dir.resolve(name + ".pem");
    }

    /** A certificate signed by CA {@code ca}; returns {cert, key}. */
    private Path[] issue(String ca, String name, String cn, boolean server) throws Exception {
        Files.writeString(dir.resolve(name + ".ext"), server
                ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n" : "extendedKeyUsage=clientAuth\n");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key",
                "-out", name + ".csr", "-subj", "/CN=" + cn);
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
        return new Path[] {dir.resolve(name + ".pem"), dir.resolve(name + ".key")};
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl failed: " + out);
        }
    }
}
