package io.mqttcluster.broker.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    @Test
    void defaults_areTheDocumentedOnes() {
        BrokerConfig c = BrokerConfig.defaults();
        assertThat(c.mqttPort()).isEqualTo(1883);
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.maxInflight()).isEqualTo(32);
        assertThat(c.maxQueuedMessages()).isEqualTo(1000);
        assertThat(c.dropOldest()).isTrue();
        assertThat(c.maxPacketSize()).isEqualTo(1024 * 1024);
        assertThat(c.connectTimeoutMillis()).isEqualTo(10_000);
        assertThat(c.quorum()).isEqualTo(1);
        assertThat(c.sessionExpirySeconds()).isEqualTo(86_400);
    }

    // issue 11, point 6: a cluster started without --cluster-size had a quorum of 1 (no split-brain protection)
    @Test
    void clusterSize_defaultsToTheMembersListed_soTheQuorumIsAMajority() {
        BrokerConfig c = ConfigLoader.load(Map.of("cluster.members", "10.0.0.1:5701,10.0.0.2:5701,10.0.0.3:5701"), Map.of(), null);
        assertThat(c.clusterSize()).isEqualTo(3);
        assertThat(c.quorum()).isEqualTo(2);
    }

    @Test
    void clusterSize_smallerThanTheMemberList_stopsStartUpNamingTheKey() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("cluster.members", "a:1,b:1,c:1", "cluster.size", "2"), Map.of(), null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.size").hasMessageContaining("3 nodes");
    }

    @Test
    void kubernetesDiscovery_withoutClusterSize_stopsStartUp() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("cluster.kubernetes-service-dns", "mqtt-nodes.default.svc"), Map.of(), null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.size");
    }

    @Test
    void yamlThenEnvThenFlags_overrideInThatOrder(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("broker.yaml");
        Files.writeString(yaml, """
                mqtt:
                  port: 2000
                  max-inflight: 10
                  max-queued-messages: 100
                cluster:
                  members: [ "10.0.0.1:5701", "10.0.0.2:5701" ]
                  size: 3
                """);
        BrokerConfig c = ConfigLoader.load(Map.of("mqtt.port", "3000"), Map.of("MQTTC_MQTT_MAX_INFLIGHT", "20", "PATH", "/bin"), yaml);
        assertThat(c.mqttPort()).isEqualTo(3000);
        assertThat(c.maxInflight()).isEqualTo(20);
        assertThat(c.maxQueuedMessages()).isEqualTo(100);
        assertThat(c.clusterMembers()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
        assertThat(c.quorum()).isEqualTo(2);
    }

    @Test
    void badValues_nameTheirKey() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("mqtt.port", "70000"), Map.of(), null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.port").hasMessageContaining("65535");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("mqtt.connect-timeout", "soon"), Map.of(), null))
                .hasMessageContaining("mqtt.connect-timeout");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("mqtt.queue-overflow", "drop-random"), Map.of(), null))
                .hasMessageContaining("mqtt.queue-overflow").hasMessageContaining("drop-oldest");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("cluster.members", "host-without-port"), Map.of(), null))
                .hasMessageContaining("cluster.members");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of("MQTTC_MQTT_PROT", "1"), null))
                .hasMessageContaining("MQTTC_MQTT_PROT");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("mqtt.max-inflight", "2000"), Map.of(), null))
                .hasMessageContaining("mqtt.max-inflight");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("cluster.quorum", "3"), Map.of(), null))
                .hasMessageContaining("cluster.quorum");
    }

    @Test
    void unknownYamlKey_isRefused(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("broker.yaml");
        Files.writeString(yaml, "mqtt:\n  prot: 1\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of(), yaml))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.prot").hasMessageContaining("unknown key");
        Files.writeString(yaml, "mqtt: [1, 2\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of(), yaml)).hasMessageContaining("YAML");
    }

    @Test
    void durationsAndSizes_acceptUnits() {
        assertThat(Setting.parseDurationMillis("500ms")).isEqualTo(500);
        assertThat(Setting.parseDurationMillis("10s")).isEqualTo(10_000);
        assertThat(Setting.parseDurationMillis("2m")).isEqualTo(120_000);
        assertThat(Setting.parseDurationMillis("1d")).isEqualTo(86_400_000);
        assertThat(Setting.parseDurationMillis("7")).isEqualTo(7_000);
        assertThat(Setting.parseSize("256KB")).isEqualTo(262_144);
        assertThat(Setting.parseSize("1MB")).isEqualTo(1_048_576);
    }

    @Test
    void everySetting_hasADescriptionAndAParsableDefault() {
        List<Setting> all = BrokerConfig.SETTINGS;
        assertThat(all).allSatisfy(s -> {
            assertThat(s.description()).isNotBlank();
            s.parse(s.defaultValue());
            assertThat(s.envName()).startsWith("MQTTC_");
        });
    }
}
