package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** QoS 2 exactly once, checked on the wire with a raw client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Qos2IT {

    static BrokerNode node;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start();
        port = node.mqttPort();
    }

    @AfterAll
    static void stop() {
        node.stop();
    }

    // [MQTT-4.3.3-2] the receiver must not deliver a message twice: the packet id is remembered until PUBREL
    @ParameterizedSessions
    void resentPublishWithDup_isNotDeliveredTwice_untilPubrel(boolean cleanSession) throws Exception {
        String tag = cleanSession ? "clean" : "persistent";
        try (Paho sub = Paho.connect(port, "q2-sub-" + tag, true).subscribe("q2/" + tag, 2);
             RawClient pub = new RawClient(port)) {
            pub.send(RawClient.connect("q2-pub-" + tag, cleanSession, 30));
            pub.read();
            pub.send(RawClient.publish("q2/" + tag, "once".getBytes(), 2, false, false, 42));
            assertThat(pub.read()).satisfies(p -> {
                assertThat(p.type()).isEqualTo(RawClient.PUBREC);
                assertThat(p.packetId()).isEqualTo(42);
            });
            // the client did not see PUBREC (as far as it knows) and resends with DUP=1, twice
            pub.send(RawClient.publish("q2/" + tag, "once".getBytes(), 2, true, false, 42));
            assertThat(pub.read().type()).isEqualTo(RawClient.PUBREC);
            pub.send(RawClient.publish("q2/" + tag, "once".getBytes(), 2, true, false, 42));
            assertThat(pub.read().type()).isEqualTo(RawClient.PUBREC);
            pub.send(RawClient.pubrel(42));
            RawClient.Packet comp = pub.read();
            assertThat(comp.type()).isEqualTo(RawClient.PUBCOMP);
            assertThat(comp.packetId()).isEqualTo(42);
            // after PUBREL the id is free: the same id is a new message
            pub.send(RawClient.publish("q2/" + tag, "second".getBytes(), 2, false, false, 42));
            assertThat(pub.read().type()).isEqualTo(RawClient.PUBREC);
            pub.send(RawClient.pubrel(42));
            assertThat(pub.read().type()).isEqualTo(RawClient.PUBCOMP);

            assertThat(sub.next(5000).payload()).isEqualTo("once");
            assertThat(sub.next(5000).payload()).isEqualTo("second");
            assertThat(sub.next(300)).isNull();
        }
    }

    @Test
    void pubrelForUnknownId_isAnsweredWithPubcomp() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("q2-unknown", true, 30));
            raw.read();
            raw.send(RawClient.pubrel(999));
            RawClient.Packet p = raw.read();
            assertThat(p.type()).isEqualTo(RawClient.PUBCOMP);
            assertThat(p.packetId()).isEqualTo(999);
        }
    }

    // outbound QoS 2: PUBLISH, PUBREC -> PUBREL, PUBCOMP; after a reconnect in the middle, PUBREL is resent
    @Test
    void outboundQos2_interruptedAfterPubrec_resumesWithPubrel() throws Exception {
        int pid;
        try (RawClient sub = new RawClient(port)) {
            sub.send(RawClient.connect("q2-out", false, 30));
            sub.read();
            sub.send(RawClient.subscribe(1, "q2/out", 2));
            sub.readUntil(RawClient.SUBACK);
            try (Paho pub = Paho.connect(port, "q2-out-pub", true)) {
                pub.publish("q2/out", "exactly", 2, false);
            }
            RawClient.Packet p = sub.readUntil(RawClient.PUBLISH);
            pid = RawClient.publishPacketId(p);
            sub.send(RawClient.ack(RawClient.PUBREC, pid));
            RawClient.Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(RawClient.PUBREL);
            assertThat(rel.packetId()).isEqualTo(pid);
            // drop before PUBCOMP
        }
        try (RawClient sub = new RawClient(port)) {
            sub.send(RawClient.connect("q2-out", false, 30));
            sub.read();
            RawClient.Packet rel = sub.read();
            assertThat(rel.type()).as("PUBREL again, not the PUBLISH").isEqualTo(RawClient.PUBREL);
            assertThat(rel.packetId()).isEqualTo(pid);
            sub.send(RawClient.ack(RawClient.PUBCOMP, pid));
            sub.send(RawClient.disconnect());
        }
        try (RawClient sub = new RawClient(port)) {
            sub.send(RawClient.connect("q2-out", false, 30));
            sub.read();
            assertThat(sub.closedWithin(500)).as("nothing left to resend").isFalse();
        }
    }
}
