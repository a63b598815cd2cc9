package io.mqttcluster.faults.client;

import io.mqttcluster.faults.history.Event;
import io.mqttcluster.faults.history.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The harness's clients against a scripted broker: what they put on the wire after a lost connection (MQTT
 * 3.1.1 4.4 resends with DUP=1 and the original packet id, PUBREL again) and how a subscriber tells a resend of
 * a QoS 2 message from a new one (4.3.3 method B).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestClientBehaviourTest {

    /** No pings, no ack timeout in the way; a window of two messages. */
    static final ClientSettings QUIET = new ClientSettings(60, 60_000, 60_000, 2000, 5000, 10_000, 60_000, 10, 20, 2, 64);

    @Test
    void persistentPublisher_afterALostConnection_resendsPubrelAndUnacknowledgedPublishWithDupAndTheSameId() throws Exception {
        History h = History.inMemory();
        try (FakeBroker broker = new FakeBroker()) {
            Publisher p = new Publisher("pt", false, 2, 1000, List.of(broker.endpoint()), 0, h, QUIET);
            p.start();
            int a;
            int b;
            try (FakeBroker.Peer c1 = broker.accept()) {
                Packet connect = c1.handshake(false);
                assertThat(connect.body()[7] & 0x02).as("clean session 0").isZero();
                Packet first = c1.read();
                Packet second = c1.read();
                assertThat(first.type()).isEqualTo(Packet.PUBLISH);
                assertThat(first.qos()).isEqualTo(2);
                assertThat(first.dup()).isFalse();
                a = first.publishPacketId();
                b = second.publishPacketId();
                assertThat(Payload.decode(second.payload()).seq()).isEqualTo(2);
                c1.send(MqttCodec.pubrec(a));
                Packet rel = c1.read();
                assertThat(rel.type()).isEqualTo(Packet.PUBREL);
                assertThat(rel.packetId()).isEqualTo(a);
            } // the connection drops: a awaits PUBCOMP, b awaits PUBREC
            try (FakeBroker.Peer c2 = broker.accept()) {
                c2.handshake(true);
                Packet rel = c2.read();
                assertThat(rel.type()).isEqualTo(Packet.PUBREL); // [MQTT-4.4.0-1] in the original order
                assertThat(rel.packetId()).isEqualTo(a);
                Packet again = c2.read();
                assertThat(again.type()).isEqualTo(Packet.PUBLISH);
                assertThat(again.dup()).isTrue();
                assertThat(again.publishPacketId()).isEqualTo(b);
                assertThat(Payload.decode(again.payload()).seq()).isEqualTo(2);
                p.stopPublishing();
                c2.send(MqttCodec.pubcomp(a));
                c2.send(MqttCodec.pubrec(b));
                assertThat(c2.read().type()).isEqualTo(Packet.PUBREL);
                c2.send(MqttCodec.pubcomp(b));
                await().atMost(5, TimeUnit.SECONDS).until(() -> p.inFlight() == 0);
                p.stop(5000);
            }
            List<Event> events = h.snapshot();
            assertThat(events).contains(new Event.Sent(sentAt(events, 2, true), "pt", 2, 2, 2, b, true));
            assertThat(events).filteredOn(e -> e instanceof Event.Acked).hasSize(2);
            assertThat(events).filteredOn(e -> e instanceof Event.Abandoned).isEmpty();
        }
    }

    @Test
    void cleanPublisher_afterALostConnection_givesUnacknowledgedMessagesUp_andSendsNewOnes() throws Exception {
        History h = History.inMemory();
        try (FakeBroker broker = new FakeBroker()) {
            Publisher p = new Publisher("pc", true, 1, 1000, List.of(broker.endpoint()), 0, h, QUIET);
            p.start();
            try (FakeBroker.Peer c1 = broker.accept()) {
                c1.handshake(false);
                c1.read();
                c1.read();
            }
            try (FakeBroker.Peer c2 = broker.accept()) {
                c2.handshake(false);
                Packet next = c2.read();
                assertThat(next.dup()).isFalse();
                assertThat(Payload.decode(next.payload()).seq()).isEqualTo(3);
                p.stop(5000);
            }
            assertThat(h.snapshot()).filteredOn(e -> e instanceof Event.Abandoned).hasSize(2);
        }
    }

    @Test
    void subscriber_qos2ResendAwaitingPubrel_isNotNew_afterPubrelTheSameIdIsANewMessage() throws Exception {
        History h = History.inMemory();
        try (FakeBroker broker = new FakeBroker()) {
            Subscriber s = new Subscriber("st", false, List.of(new Subscriber.Subscription("h/#", 2)), null,
                    List.of(broker.endpoint()), 0, h, QUIET);
            s.start();
            byte[] one = MqttCodec.publish("h/p1/t", new Payload("p1", 1, 2, 0).encode(), 2, false, 7);
            byte[] oneAgain = MqttCodec.publish("h/p1/t", new Payload("p1", 1, 2, 0).encode(), 2, true, 7);
            byte[] two = MqttCodec.publish("h/p1/t", new Payload("p1", 2, 2, 0).encode(), 2, false, 7);
            byte[] twoAgain = MqttCodec.publish("h/p1/t", new Payload("p1", 2, 2, 0).encode(), 2, true, 7);
            try (FakeBroker.Peer c1 = broker.accept()) {
                c1.handshake(false);
                Packet sub = c1.read();
                assertThat(sub.type()).isEqualTo(Packet.SUBSCRIBE);
                c1.send(new byte[]{(byte) 0x90, 3, sub.body()[0], sub.body()[1], 2});
                c1.send(one);
                assertThat(c1.read().type()).isEqualTo(Packet.PUBREC);
                c1.send(oneAgain);
                assertThat(c1.read().type()).isEqualTo(Packet.PUBREC); // [MQTT-4.3.3-2] PUBREC again, not delivered again
                c1.send(MqttCodec.pubrel(7));
                assertThat(c1.read().type()).isEqualTo(Packet.PUBCOMP);
                c1.send(two);
                assertThat(c1.read().type()).isEqualTo(Packet.PUBREC);
            }
            try (FakeBroker.Peer c2 = broker.accept()) {
                c2.handshake(true);
                c2.send(twoAgain); // the session's own state survives: id 7 still awaits PUBREL
                Packet ack = c2.read();
                assertThat(ack.type()).as("no SUBSCRIBE while the session is present").isEqualTo(Packet.PUBREC);
                s.stop(5000);
            }
            assertThat(h.snapshot()).filteredOn(e -> e instanceof Event.Received).extracting(
                    e -> ((Event.Received) e).seq() + ":" + ((Event.Received) e).fresh() + ":" + ((Event.Received) e).conn())
                    .containsExactly("1:true:1", "1:false:1", "2:true:1", "2:false:2");
        }
    }

    @Test
    void takeover_opensASecondConnection_andRecordsWhenTheBrokerClosesTheFirst() throws Exception {
        History h = History.inMemory();
        try (FakeBroker broker = new FakeBroker()) {
            Subscriber s = new Subscriber("sx", false, List.of(new Subscriber.Subscription("h/#", 1)), null,
                    List.of(broker.endpoint()), 0, h, QUIET);
            s.start();
            FakeBroker.Peer c1 = broker.accept();
            c1.handshake(false);
            Packet sub = c1.read();
            c1.send(new byte[]{(byte) 0x90, 3, sub.body()[0], sub.body()[1], 1});
            await().atMost(5, TimeUnit.SECONDS).until(s::isConnected);
            s.takeover(0);
            try (FakeBroker.Peer c2 = broker.accept()) {
                c2.handshake(true);
                c1.close(); // the broker closes the old connection
                await().atMost(5, TimeUnit.SECONDS).until(() -> h.snapshot().stream().anyMatch(e ->
                        e instanceof Event.Note n && n.what().equals("takeover_old_closed")));
                s.stop(5000);
            }
            assertThat(h.snapshot()).anyMatch(e -> e instanceof Event.Lost l && l.conn() == 1 && l.reason().equals("taken-over"));
        }
    }

    private static long sentAt(List<Event> events, long seq, boolean dup) {
        return events.stream().filter(e -> e instanceof Event.Sent s && s.seq() == seq && s.dup() == dup)
                .mapToLong(Event::t).findFirst().orElse(-1);
    }
}
