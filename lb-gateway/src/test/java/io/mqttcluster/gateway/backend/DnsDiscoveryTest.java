package io.mqttcluster.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttcluster.gateway.config.GatewayOptions.DnsNodeKey;
import io.mqttcluster.gateway.config.NodeAddress;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DnsDiscoveryTest {
    private static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static InetAddress ip(String s) throws java.net.UnknownHostException {
        return InetAddress.getByName(s); // IP literals: no lookup
    }

    @Test
    void discover_aRecords_oneNodePerIpv4AddressWithConfiguredPorts() throws Exception {
        List<InetAddress> answer = List.of(ip("10.1.0.7"), ip("10.1.0.8"), ip("fd00::7"), ip("10.1.0.7"));
        DnsDiscovery d = new DnsDiscovery(vertx, "broker-headless", 1883, 8080, DnsNodeKey.IP, name -> answer);
        List<NodeAddress> nodes = d.discover().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(nodes).extracting(NodeAddress::key).containsExactly("10.1.0.7:1883", "10.1.0.8:1883");
        assertThat(nodes).allSatisfy(n -> assertThat(n.httpPort()).isEqualTo(8080));
        assertThat(d.periodic()).isTrue();
    }

    @Test
    void discover_onlyIpv6_usesIpv6() throws Exception {
        DnsDiscovery d = new DnsDiscovery(vertx, "n", 1883, 0, DnsNodeKey.IP, name -> List.of(ip("fd00::7")));
        assertThat(d.resolveNow()).extracting(NodeAddress::key).containsExactly("[fd00:0:0:0:0:0:0:7]:1883");
    }

    @Test
    void discover_hostnameKeys_reverseNamesWithoutTrailingDot() throws Exception {
        DnsDiscovery.Resolver r = new DnsDiscovery.Resolver() {
            @Override
            public List<InetAddress> resolve(String name) throws java.net.UnknownHostException {
                return List.of(ip("10.1.0.7"));
            }

            @Override
            public String reverse(InetAddress a) {
                return "broker-0.broker-headless.mqtt.svc.cluster.local.";
            }
        };
        DnsDiscovery d = new DnsDiscovery(vertx, "n", 1883, 0, DnsNodeKey.HOSTNAME, r);
        NodeAddress a = d.resolveNow().get(0);
        assertThat(a.key()).isEqualTo("broker-0.broker-headless.mqtt.svc.cluster.local:1883");
        assertThat(a.host()).isEqualTo("10.1.0.7");
    }

    @Test
    void discover_lookupFails_futureFails() {
        DnsDiscovery d = new DnsDiscovery(vertx, "nope", 1883, 0, DnsNodeKey.IP, name -> {
            throw new java.net.UnknownHostException(name);
        });
        assertThat(d.discover().toCompletionStage().toCompletableFuture()).failsWithin(10, TimeUnit.SECONDS);
    }
}
