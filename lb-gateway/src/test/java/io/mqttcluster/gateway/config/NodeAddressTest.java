package io.mqttcluster.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NodeAddressTest {

    @Test
    void parse_hostPortHttpPort_allParts() {
        NodeAddress a = NodeAddress.parse("broker-0.broker:1884:8080", 1883, 0);
        assertThat(a.host()).isEqualTo("broker-0.broker");
        assertThat(a.mqttPort()).isEqualTo(1884);
        assertThat(a.httpPort()).isEqualTo(8080);
        assertThat(a.key()).isEqualTo("broker-0.broker:1884");
    }

    @Test
    void parse_missingPorts_defaultsUsed() {
        NodeAddress a = NodeAddress.parse(" 10.0.0.7 ", 1883, 9090);
        assertThat(a.mqttPort()).isEqualTo(1883);
        assertThat(a.httpPort()).isEqualTo(9090);
        assertThat(a.key()).isEqualTo("10.0.0.7:1883");
    }

    @Test
    void parse_ipv6InBrackets_keyKeepsBrackets() {
        NodeAddress a = NodeAddress.parse("[::1]:1883:8080", 1, 0);
        assertThat(a.host()).isEqualTo("::1");
        assertThat(a.key()).isEqualTo("[::1]:1883");
    }

    @Test
    void parse_badInput_messageNamesIt() {
        assertThatThrownBy(() -> NodeAddress.parse("h:abc", 1883, 0)).hasMessageContaining("abc");
        assertThatThrownBy(() -> NodeAddress.parse("h:1:2:3", 1883, 0)).hasMessageContaining("h:1:2:3");
        assertThatThrownBy(() -> NodeAddress.parse("h:70000", 1883, 0)).hasMessageContaining("70000");
        assertThatThrownBy(() -> NodeAddress.parse("", 1883, 0)).hasMessageContaining("empty");
    }
}
