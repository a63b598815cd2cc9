package io.mqttcluster.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttcluster.gateway.config.ConfigKeys.Key;
import io.mqttcluster.gateway.config.GatewayOptions.DnsNodeKey;
import io.mqttcluster.gateway.config.GatewayOptions.TlsClientAuth;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewayOptionsTest {

    @Test
    void newOptions_everyKey_holdsTheTablesDefaultReadByItsParser() {
        GatewayOptions o = new GatewayOptions();
        for (Key<?> k : ConfigKeys.ALL) {
            String text = k.defaultValue().equals(ConfigKeys.NONE) ? "" : k.defaultValue();
            assertThat(o.get(k)).as(k.name()).isNotNull().isEqualTo(k.parser().apply(text));
        }
    }

    /** The defaults as GatewayOptions wrote them before the table became their only source. */
    @Test
    void newOptions_defaults_asBeforeTheTable() {
        GatewayOptions o = new GatewayOptions();
        assertThat(o.port()).isEqualTo(1883);
        assertThat(o.bindAddress()).isEqualTo("0.0.0.0");
        assertThat(o.httpPort()).isEqualTo(8090);
        assertThat(o.eventLoops()).isZero();
        assertThat(o.nodes()).isEmpty();
        assertThat(o.nodeMqttPort()).isEqualTo(1883);
        assertThat(o.nodeHttpPort()).isZero();
        assertThat(o.dnsName()).isEmpty();
        assertThat(o.dnsInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.dnsNodeKey()).isEqualTo(DnsNodeKey.IP);
        assertThat(o.healthPath()).isEqualTo("/health/ready");
        assertThat(o.healthFall()).isEqualTo(3);
        assertThat(o.healthRise()).isEqualTo(2);
        assertThat(o.healthCloseAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.proxyProtocol()).isFalse();
        assertThat(o.tlsEnabled()).isFalse();
        assertThat(o.tlsPort()).isEqualTo(8883);
        assertThat(o.tlsCertFile()).isEmpty();
        assertThat(o.tlsClientAuth()).isEqualTo(TlsClientAuth.NONE);
        assertThat(o.nodeMaxAttempts()).isEqualTo(3);
        assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.connectMaxSize()).isEqualTo(64 * 1024);
        assertThat(o.maxConnections()).isEqualTo(100_000);
        assertThat(o.acceptRate()).isEqualTo(1000.0);
        assertThat(o.acceptBurst()).isEqualTo(1000);
        assertThat(o.acceptMaxWait()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.ratePerSource()).isZero();
        assertThat(o.burstPerSource()).isEqualTo(50);
        assertThat(o.idleTimeout()).isZero();
        assertThat(o.drainRate()).isEqualTo(50.0);
        assertThat(o.rebalanceEnabled()).isFalse();
        assertThat(o.rebalanceRate()).isEqualTo(20.0);
        assertThat(o.logRejectionsPerSecond()).isEqualTo(10);
    }

    @Test
    void setters_oneInstance_leaveOthersAtTheirDefaults() {
        GatewayOptions changed = new GatewayOptions().setNodes(java.util.List.of("a:1")).setPort(0).setDnsName(null);
        assertThat(changed.nodes()).containsExactly("a:1");
        assertThat(changed.port()).isZero();
        assertThat(changed.dnsName()).isEmpty();
        GatewayOptions fresh = new GatewayOptions();
        assertThat(fresh.nodes()).isEmpty();
        assertThat(fresh.port()).isEqualTo(1883);
    }
}
