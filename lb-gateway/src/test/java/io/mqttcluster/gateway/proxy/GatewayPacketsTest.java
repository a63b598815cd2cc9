package io.mqttcluster.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttcluster.gateway.backend.MoveReason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GatewayPacketsTest {

    @Test
    void reasonCodes_drainShuttingDown_rebalanceUseAnotherServer() {
        assertThat(GatewayPackets.reasonCode(MoveReason.DRAIN)).isEqualTo(0x8B);
        assertThat(GatewayPackets.reasonCode(MoveReason.REBALANCE)).isEqualTo(0x9C);
    }

    @Test
    void disconnect_withReasonString_wellFormed() {
        byte[] p = GatewayPackets.disconnect(0x9C, "go", 0);
        // E0, remaining 7: reason 9C, property length 5: 1F 00 02 'g' 'o'  [MQTT 5.0 section 3.14]
        assertThat(p).containsExactly(0xE0, 0x07, 0x9C, 0x05, 0x1F, 0x00, 0x02, 'g', 'o');
    }

    @Test
    void disconnect_longReasonString_multiByteRemainingLength() {
        String text = "x".repeat(200);
        byte[] p = GatewayPackets.disconnect(0x8B, text, 0);
        int remaining = 1 + 2 + 1 + 2 + 200; // reason, property length (2 bytes: 203), id, string length, text
        assertThat(p[0] & 0xFF).isEqualTo(0xE0);
        assertThat((p[1] & 0x7F) | (p[2] & 0x7F) << 7).isEqualTo(remaining);
        assertThat(p[3] & 0xFF).isEqualTo(0x8B);
        assertThat((p[4] & 0x7F) | (p[5] & 0x7F) << 7).isEqualTo(203);
        assertThat(p).hasSize(3 + remaining);
        assertThat(new String(p, p.length - 200, 200, StandardCharsets.UTF_8)).isEqualTo(text);
    }

    @Test
    void disconnect_clientMaximumPacketSizeTooSmallForTheReasonString_bareReasonCode() {
        // [MQTT-3.14.2-3]: the Reason String is left out when it would exceed the client's Maximum Packet Size
        assertThat(GatewayPackets.disconnect(0x8B, "a reason that does not fit", 10)).containsExactly(0xE0, 0x01, 0x8B);
        assertThat(GatewayPackets.disconnect(0x8B, "go", 9)).as("exactly the maximum").hasSize(9);
        assertThat(GatewayPackets.disconnect(0x8B, "x", 2)).as("not even 3 bytes fit").isNull();
    }

    @Test
    void connackRefusal_mqtt5Form() {
        assertThat(GatewayPackets.connackRefusal(0x81, 0)).containsExactly(0x20, 0x03, 0x00, 0x81, 0x00);
        assertThat(GatewayPackets.connackRefusal(0x88, 4)).isNull();
    }

    /** [MQTT 3.1.1 section 3.2]: fixed header 0x20, remaining length 2, acknowledge flags 0, return code. */
    @Test
    void connackRefusal_mqtt3Form_serverUnavailable() {
        assertThat(GatewayPackets.connackRefusalV3(0x03)).containsExactly(0x20, 0x02, 0x00, 0x03);
    }

    @Test
    void disconnectInTheClientsName_normalDisconnection() {
        assertThat(GatewayPackets.DISCONNECT_NORMAL).containsExactly(0xE0, 0x00);
    }
}
