package io.mqttcluster.faults.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Packet ids come from a small ring and are reused once released, never while in use. */
class PacketIdsTest {

    @Test
    void ids_goRoundTheRing_skippingThoseInUse() {
        PacketIds ids = new PacketIds(4);
        assertThat(ids.take()).isEqualTo(1);
        assertThat(ids.take()).isEqualTo(2);
        ids.release(1);
        assertThat(ids.take()).isEqualTo(3);
        assertThat(ids.take()).isEqualTo(4);
        assertThat(ids.take()).isEqualTo(1); // released, so reused
        assertThat(ids.take()).isEqualTo(-1); // 1..4 in use
        ids.release(3);
        assertThat(ids.take()).isEqualTo(3);
        assertThat(ids.inUse()).isEqualTo(4);
    }

    @Test
    void payload_roundTrips_andForeignBytesAreNotOurs() {
        Payload p = new Payload("p3", 1234, 2, 987654321L);
        assertThat(Payload.decode(p.encode())).isEqualTo(p);
        assertThat(p.key()).isEqualTo("p3#1234");
        assertThat(Payload.decode("hello".getBytes())).isNull();
        assertThat(Payload.decode("fh1 p3 x 2 5".getBytes())).isNull();
    }
}
