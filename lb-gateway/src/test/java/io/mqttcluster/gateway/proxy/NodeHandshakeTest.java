package io.mqttcluster.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NodeHandshakeTest {

    @Test
    void authRoundsThenConnack_authIsNotTakenForTheConnack() {
        NodeHandshake h = new NodeHandshake(5);
        assertThat(h.packetEnded(PacketBoundaries.AUTH, 0x09)).isFalse();
        assertThat(h.state()).isEqualTo(NodeHandshake.State.AUTHENTICATING);
        assertThat(h.packetEnded(PacketBoundaries.AUTH, 0x09)).isFalse();
        assertThat(h.packetEnded(PacketBoundaries.AUTH, 0x09)).isFalse();
        assertThat(h.over()).isFalse();
        assertThat(h.packetEnded(PacketBoundaries.CONNACK, 0x00)).isTrue();
        assertThat(h.state()).isEqualTo(NodeHandshake.State.ACCEPTED);
        assertThat(h.authPackets()).isEqualTo(3);
        // re-authentication after the CONNACK changes nothing here
        assertThat(h.packetEnded(PacketBoundaries.AUTH, 0x09)).isFalse();
        assertThat(h.authPackets()).isEqualTo(3);
    }

    @Test
    void connackReasonCodes_mqtt5BelowEightyIsSuccess_mqtt311OnlyZero() {
        NodeHandshake v5 = new NodeHandshake(5);
        v5.packetEnded(PacketBoundaries.CONNACK, 0x00);
        assertThat(v5.state()).isEqualTo(NodeHandshake.State.ACCEPTED);
        NodeHandshake v5bad = new NodeHandshake(5);
        v5bad.packetEnded(PacketBoundaries.CONNACK, 0x8C); // bad authentication method
        assertThat(v5bad.state()).isEqualTo(NodeHandshake.State.REFUSED);
        assertThat(v5bad.connackCode()).isEqualTo(0x8C);
        NodeHandshake v311 = new NodeHandshake(4);
        v311.packetEnded(PacketBoundaries.CONNACK, 0x05);
        assertThat(v311.state()).isEqualTo(NodeHandshake.State.REFUSED);
        NodeHandshake truncated = new NodeHandshake(4);
        truncated.packetEnded(PacketBoundaries.CONNACK, -1);
        assertThat(truncated.state()).isEqualTo(NodeHandshake.State.REFUSED);
    }

    @Test
    void disconnectInsteadOfConnack_endsTheHandshakeRefused() {
        NodeHandshake h = new NodeHandshake(5);
        h.packetEnded(PacketBoundaries.AUTH, 0x09);
        assertThat(h.packetEnded(PacketBoundaries.DISCONNECT, -1)).isTrue();
        assertThat(h.state()).isEqualTo(NodeHandshake.State.REFUSED);
    }

    @Test
    void otherPacketsBeforeConnack_ignored() {
        NodeHandshake h = new NodeHandshake(4);
        assertThat(h.packetEnded(13, -1)).isFalse(); // PINGRESP
        assertThat(h.state()).isEqualTo(NodeHandshake.State.WAITING);
    }
}
