package io.mqttcluster.bench.failover;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class FleetDeviceTest {

    @Test
    void commandNumber_commandPayload_isItsNumber() {
        assertThat(FleetDevice.commandNumber("cmd 42".getBytes(StandardCharsets.UTF_8))).isEqualTo(42);
    }

    @Test
    void commandNumber_otherPayload_isZero() {
        assertThat(FleetDevice.commandNumber("hello".getBytes(StandardCharsets.UTF_8))).isZero();
        assertThat(FleetDevice.commandNumber(new byte[0])).isZero();
    }

    @Test
    void sourceAddress_spreadsDevicesOver127dot1_250PerThirdByte() {
        assertThat(FleetDevice.sourceAddress(0).getHostAddress()).isEqualTo("127.1.0.1");
        assertThat(FleetDevice.sourceAddress(249).getHostAddress()).isEqualTo("127.1.0.250");
        assertThat(FleetDevice.sourceAddress(250).getHostAddress()).isEqualTo("127.1.1.1");
        assertThat(FleetDevice.sourceAddress(999).getHostAddress()).isEqualTo("127.1.3.250");
    }
}
