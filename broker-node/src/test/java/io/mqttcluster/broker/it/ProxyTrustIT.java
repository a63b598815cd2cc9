package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.auth.PasswordFile;
import io.mqttcluster.broker.auth.PasswordHash;
import io.mqttcluster.broker.config.ConfigException;
import io.mqttcluster.broker.testing.Closer;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.Scrape;
import io.mqttcluster.broker.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * mqtt.proxy-protocol-trusted as an attacker and a gateway see it. The node runs as in the production overlay:
 * no anonymous clients, a verified certificate name from the gateway's PROXY header is the user name. The
 * gateway is 127.0.0.2; anything from 127.0.0.1 is someone else on the network.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyTrustIT {

    private static final String GATEWAY = "127.0.0.2";
    private static final String STRANGER = "127.0.0.1";

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer open = new Closer();

    private BrokerNode node(String trusted) throws Exception {
        Path passwords = dir.resolve("passwords");
        PasswordFile.update(passwords, "backend", PasswordHash.create("secret".getBytes(StandardCharsets.UTF_8), 1000));
        BrokerNode n = TestNode.start(Map.of("mqtt.proxy-protocol", "true", "mqtt.proxy-protocol-trusted", trusted,
                "auth.allow-anonymous", "false", "auth.password-file", passwords.toString(),
                "auth.use-identity-as-username", "true"));
        open.keep(n::stop);
        return n;
    }

    private RawClient client(String source, int port) throws Exception {
        RawClient c = new RawClient(source, port);
        open.keep(c);
        return c;
    }

    @Test
    void aHeaderFromAnUntrustedSourceClosesTheConnection_evenOneNamingAVerifiedCertificate() throws Exception {
        BrokerNode node = node(GATEWAY + "/32");

        RawClient spoofer = client(STRANGER, node.mqttPort());
        spoofer.send(concat(proxyHeader("203.0.113.9", 40_000, "backend"), RawClient.connect("spoofed", true, 30)));

        assertThat(spoofer.closedWithin(5_000)).as("no CONNACK, the connection closed").isTrue();
        assertThat(Scrape.sum(Scrape.metrics(node.httpPort()), "mqtt_proxy_headers_refused_total")).isEqualTo(1.0);
        assertThat(clientInfo(node, "spoofed")).isEqualTo(404);
    }

    @Test
    void theGatewaysHeaderIsBelieved_andOthersConnectAsThemselves() throws Exception {
        BrokerNode node = node("10.0.0.0/8, " + GATEWAY);

        RawClient device = client(GATEWAY, node.mqttPort());
        device.send(concat(proxyHeader("203.0.113.9", 40_000, "backend"), RawClient.connect("device-1", true, 30)));
        RawClient.Packet connack = device.readUntil(RawClient.CONNACK);
        assertThat(connack.body()[1]).as("accepted as the certificate's user").isEqualTo((byte) 0);
        assertThat(clientBody(node, "device-1")).contains("203.0.113.9:40000");

        RawClient direct = client(STRANGER, node.mqttPort());
        direct.send(RawClient.connect("direct", true, 30));
        assertThat(direct.readUntil(RawClient.CONNACK).body()[1]).as("no header, no credentials: not authorized")
                .isEqualTo((byte) 5);
        assertThat(Scrape.sum(Scrape.metrics(node.httpPort()), "mqtt_proxy_headers_refused_total")).isEqualTo(0.0);
    }

    @Test
    void aHostNameIsResolvedToTheGatewaysAddresses() throws Exception {
        BrokerNode node = node("localhost");

        RawClient device = client("127.0.0.1", node.mqttPort()); // what localhost resolves to
        device.send(concat(proxyHeader("198.51.100.7", 1234, null), RawClient.connect("device-2", true, 30)));
        assertThat(device.readUntil(RawClient.CONNACK).body()[1]).as("no certificate: not authorized, but read")
                .isEqualTo((byte) 5);
    }

    @Test
    void proxyProtocolWithoutTrustedSourcesStopsStartUp_namingTheKey() {
        assertThatThrownBy(() -> TestNode.start(Map.of("mqtt.proxy-protocol", "true")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.proxy-protocol-trusted");
        assertThatThrownBy(() -> TestNode.start(Map.of("mqtt.proxy-protocol", "true", "mqtt.proxy-protocol-trusted", "10.0.0.0/33")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.proxy-protocol-trusted").hasMessageContaining("prefix");
    }

    private static int clientInfo(BrokerNode node, String id) throws Exception {
        return get(node, id).statusCode();
    }

    private static String clientBody(BrokerNode node, String id) throws Exception {
        HttpResponse<String> r = get(node, id);
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static HttpResponse<String> get(BrokerNode node, String id) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.httpPort() + "/clients/" + id)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A PROXY v2 header for TCP over IPv4, with the SSL TLV of a verified client certificate when {@code cn} is set. */
    static byte[] proxyHeader(String sourceIp, int sourcePort, String cn) throws Exception {
        ByteArrayOutputStream tlvs = new ByteArrayOutputStream();
        if (cn != null) {
            byte[] name = cn.getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream ssl = new ByteArrayOutputStream();
            ssl.write(0x01 | 0x02); // PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN
            ssl.write(new byte[4]); // verify: 0 = verified
            ssl.write(0x22); // PP2_SUBTYPE_SSL_CN
            ssl.write(name.length >> 8);
            ssl.write(name.length);
            ssl.write(name);
            byte[] sslBytes = ssl.toByteArray();
            tlvs.write(0x20); // PP2_TYPE_SSL
            tlvs.write(sslBytes.length >> 8);
            tlvs.write(sslBytes.length);
            tlvs.write(sslBytes);
        }
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        h.write(0x21); // version 2, PROXY
        h.write(0x11); // TCP over IPv4
        int length = 12 + tlvs.size();
        h.write(length >> 8);
        h.write(length);
        h.write(java.net.InetAddress.getByName(sourceIp).getAddress());
        h.write(new byte[] {10, 0, 0, 1});
        h.write(sourcePort >> 8);
        h.write(sourcePort);
        h.write(1883 >> 8);
        h.write(1883 & 0xFF);
        h.write(tlvs.toByteArray());
        return h.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
