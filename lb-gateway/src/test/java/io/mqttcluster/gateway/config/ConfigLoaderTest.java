package io.mqttcluster.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws Exception {
        Path f = dir.resolve("gateway.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void load_nothingButNodes_defaults() {
        GatewayOptions o = ConfigLoader.load(null, Map.of(), Map.of("nodes", "a:1883"));
        assertThat(o.port()).isEqualTo(1883);
        assertThat(o.httpPort()).isEqualTo(8090);
        assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.connectMaxSize()).isEqualTo(65536);
        assertThat(o.maxConnections()).isEqualTo(100_000);
        assertThat(o.acceptRate()).isEqualTo(1000);
        assertThat(o.ratePerSource()).isZero();
        assertThat(o.burstPerSource()).isEqualTo(50);
        assertThat(o.idleTimeout()).isZero();
        assertThat(o.healthInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.healthTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.healthFall()).isEqualTo(3);
        assertThat(o.healthCloseAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.healthRise()).isEqualTo(2);
        assertThat(o.dnsInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.nodeConnectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.drainRate()).isEqualTo(50);
        assertThat(o.rebalanceEnabled()).isFalse();
        assertThat(o.rebalanceRate()).isEqualTo(20);
        assertThat(o.proxyProtocol()).isFalse();
    }

    @Test
    void load_nestedAndDottedYaml_sameKeys() throws Exception {
        Path f = yaml("""
                port: 1999
                nodes:
                  - 10.0.0.1:1883:8080
                  - 10.0.0.2
                node-http-port: 9000
                limits:
                  max-connections: 10
                  idle-timeout: 5m
                connect.timeout: 500ms
                rebalance: {enabled: true, rate: 5}
                dns:
                """);
        GatewayOptions o = ConfigLoader.load(f, Map.of(), Map.of());
        assertThat(o.port()).isEqualTo(1999);
        assertThat(o.maxConnections()).isEqualTo(10);
        assertThat(o.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(o.connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(o.rebalanceEnabled()).isTrue();
        assertThat(o.rebalanceRate()).isEqualTo(5);
        assertThat(o.staticNodes()).extracting(n -> n.key() + "/" + n.httpPort())
                .containsExactly("10.0.0.1:1883/8080", "10.0.0.2:1883/9000");
    }

    @Test
    void load_envOverridesFileAndFlagsOverrideEnv() throws Exception {
        Path f = yaml("port: 1000\nhttp-port: 2000\nnodes: a\nlimits: {max-connections: 7}\n");
        GatewayOptions o = ConfigLoader.load(f,
                Map.of("GATEWAY_PORT", "3000", "GATEWAY_HTTP_PORT", "4000", "GATEWAY_LIMITS_MAX_CONNECTIONS", "8",
                        "GATEWAY_SERVICE_HOST", "10.96.0.1"),
                Map.of("port", 5000));
        assertThat(o.port()).isEqualTo(5000);
        assertThat(o.httpPort()).isEqualTo(4000);
        assertThat(o.maxConnections()).isEqualTo(8);
    }

    @Test
    void load_unknownFileKey_failsNamingKeyWithSuggestion() throws Exception {
        Path f = yaml("nodes: a\nlimits:\n  max-conections: 5\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("limits.max-conections")
                .hasMessageContaining("did you mean 'limits.max-connections'")
                .extracting(e -> ((ConfigException) e).key()).isEqualTo("limits.max-conections");
    }

    @Test
    void load_invalidValues_failNamingKey() throws Exception {
        assertThatThrownBy(() -> ConfigLoader.load(yaml("nodes: a\nport: abc\n"), Map.of(), Map.of()))
                .hasMessageContaining("'port'");
        assertThatThrownBy(() -> ConfigLoader.load(yaml("nodes: a\nconnect: {timeout: 10}\n"), Map.of(), Map.of()))
                .hasMessageContaining("connect.timeout").hasMessageContaining("duration");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("GATEWAY_HEALTH_FALL", "0"), Map.of("nodes", "a")))
                .hasMessageContaining("health.fall");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("GATEWAY_PROXY_PROTOCOL", "yes"), Map.of("nodes", "a")))
                .hasMessageContaining("proxy-protocol").hasMessageContaining("GATEWAY_PROXY_PROTOCOL");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("nodes", "a:99999")))
                .hasMessageContaining("'nodes'");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of()))
                .hasMessageContaining("'nodes'").hasMessageContaining("dns.name");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("nodes", "a", "limits.idle-timeout", "200ms")))
                .hasMessageContaining("limits.idle-timeout");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("nodes", "a", "dns.node-key", "pod")))
                .hasMessageContaining("dns.node-key");
    }

    @Test
    void load_brokenYaml_failsNamingConfig() throws Exception {
        assertThatThrownBy(() -> ConfigLoader.load(yaml("port: [1\n"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("invalid YAML");
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.of(), Map.of()))
                .hasMessageContaining("cannot read");
    }

    @Test
    void envName_everyKey_uniqueAndDerivedByTheRule() {
        Set<String> seen = new HashSet<>();
        for (ConfigKeys.Key k : ConfigKeys.ALL) {
            assertThat(seen.add(k.envName())).as(k.name()).isTrue();
        }
        assertThat(ConfigKeys.envName("limits.max-connections")).isEqualTo("GATEWAY_LIMITS_MAX_CONNECTIONS");
        assertThat(ConfigKeys.envName("port")).isEqualTo("GATEWAY_PORT");
    }

    @Test
    void durations_formats_parsedAndPrinted() {
        assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("0")).isZero();
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(10))).isEqualTo("10s");
        assertThatThrownBy(() -> Durations.parse("10")).hasMessageContaining("10s");
        assertThatThrownBy(() -> Durations.parse("1.5s")).isInstanceOf(IllegalArgumentException.class);
    }
}
