package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.protocol.Outbound.Outgoing;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.QueuedMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundTest {

    /** Records what the window asks for. */
    static final class Sink implements Outbound.Sink {
        boolean writable = true;
        final List<String> sent = new ArrayList<>();
        final List<Long> done = new ArrayList<>();
        int dropped;

        @Override
        public boolean writable() {
            return writable;
        }

        @Override
        public void sendPublish(int packetId, Outgoing message, boolean dup) {
            sent.add("PUBLISH " + packetId + (dup ? " dup" : "") + " " + new String(message.message().payload()));
        }

        @Override
        public void sendPubrel(int packetId) {
            sent.add("PUBREL " + packetId);
        }

        @Override
        public void durableDone(long seq) {
            done.add(seq);
        }

        @Override
        public void durablePubrecThenPubrel(long seq, int packetId) {
            sent.add("MARK+PUBREL " + packetId);
        }

        @Override
        public void dropped(Outgoing message) {
            dropped++;
        }
    }

    static Message msg(String payload) {
        return new Message(1, 1, "t", payload.getBytes(), 2, false, "p", 0, null);
    }

    static Outgoing memory(String payload, int qos) {
        return new Outgoing(msg(payload), qos, -1, false, null, false);
    }

    static Outgoing durable(String payload, int qos, long seq) {
        return new Outgoing(msg(payload), qos, seq, false, null, false);
    }

    @Test
    void window_sendsUpToItsSize_thenOneMorePerAcknowledgement() {
        Sink sink = new Sink();
        Outbound o = new Outbound(sink, 2, 100, true);
        for (int i = 0; i < 5; i++) {
            o.enqueue(memory("m" + i, 1));
        }
        assertThat(sink.sent).containsExactly("PUBLISH 1 m0", "PUBLISH 2 m1");
        assertThat(o.pendingCount()).isEqualTo(3);
        o.onPuback(1);
        assertThat(sink.sent).last().isEqualTo("PUBLISH 3 m2");
        o.onPuback(99); // unknown id: ignored
        assertThat(sink.sent).hasSize(3);
    }

    @Test
    void memoryPacketIds_skipIdsStillInFlight_andWrapAfter65535() {
        Sink sink = new Sink();
        Outbound o = new Outbound(sink, 2, 100, true);
        o.enqueue(memory("a", 1)); // id 1, never acknowledged
        for (int i = 0; i < 65_535; i++) {
            o.enqueue(memory("x", 1));
            int last = Integer.parseInt(sink.sent.get(sink.sent.size() - 1).split(" ")[1]);
            o.onPuback(last);
        }
        List<Integer> ids = sink.sent.stream().map(s -> Integer.parseInt(s.split(" ")[1])).toList();
        assertThat(ids).doesNotContain(0);
        assertThat(ids.subList(1, ids.size())).doesNotContain(1); // id 1 stays taken while in flight
        assertThat(ids).allMatch(id -> id >= 1 && id <= 65_535);
    }

    @Test
    void qos2_pubrecThenPubcomp_freesTheSlot_andDurableMessagesAreMarkedBeforePubrel() {
        Sink sink = new Sink();
        Outbound o = new Outbound(sink, 1, 100, true);
        o.enqueue(durable("d1", 2, 10));
        o.enqueue(durable("d2", 2, 11));
        int id = QueuedMessage.packetIdOf(10);
        assertThat(sink.sent).containsExactly("PUBLISH " + id + " d1");
        o.onPubrec(id);
        assertThat(sink.sent).last().isEqualTo("MARK+PUBREL " + id);
        o.onPubrec(id); // a repeated PUBREC gets PUBREL again
        assertThat(sink.sent).last().isEqualTo("PUBREL " + id);
        o.onPubcomp(id);
        assertThat(sink.done).containsExactly(10L);
        assertThat(sink.sent).last().isEqualTo("PUBLISH " + QueuedMessage.packetIdOf(11) + " d2");
    }

    @Test
    void pubrecForUnknownId_isAnsweredWithPubrel() {
        Sink sink = new Sink();
        Outbound o = new Outbound(sink, 4, 100, true);
        o.onPubrec(77);
        assertThat(sink.sent).containsExactly("PUBREL 77");
    }

    @Test
    void durablePacketIds_areDerivedFromTheSequence_andACollisionWaits() {
        Sink sink = new Sink();
        Outbound o = new Outbound(sink, 4, 100, true);
        o.enqueue(durable("a", 1, 5));
        o.enqueue(durable("b", 1, 5 + 65_535)); // same packet id as seq 5
        assertThat(sink.sent).containsExactly("PUBLISH 6 a");
        o.onPuback(6);
        assertThat(sink.sent).containsExactly("PUBLISH 6 a", "PUBLISH 6 b");
        assertThat(sink.done).containsExactly(5L);
    }

    @Test
    void restore_resendsPubrelForReleasedOnes_andPublishWithDupForOthers_inOrder() {
        Sink sink = new Sink();
        Outbound o = new Outbound(sink, 10, 100, true);
        o.restore(List.of(
                new QueuedMessage(3, msg("released"), 2, QueuedMessage.PUBREL_SENT, null, null),
                new QueuedMessage(4, msg("maybe-sent"), 1, QueuedMessage.MAYBE_SENT, null, null),
                new QueuedMessage(5, msg("never-sent"), 1, 0, null, null)));
        assertThat(sink.sent).containsExactly("PUBREL 4", "PUBLISH 5 dup maybe-sent", "PUBLISH 6 never-sent");
        o.enqueue(durable("late copy", 1, 5)); // a notice for a message the restore already had
        assertThat(sink.sent).hasSize(3);
    }

    @Test
    void durableNotices_fromSeveralNodes_areTakenInWhateverTheirOrder() {
        Sink sink = new Sink();
        Outbound o = new Outbound(sink, 10, 100, true);
        o.enqueue(durable("from node A", 1, 12));
        o.enqueue(durable("from node B", 1, 11)); // a lower position, sent by another node, arrives later
        assertThat(sink.sent).containsExactly("PUBLISH 13 from node A", "PUBLISH 12 from node B");
    }

    @Test
    void fullQueue_dropsOldestOrNewest_andCountsIt() {
        Sink oldest = new Sink();
        oldest.writable = false;
        Outbound a = new Outbound(oldest, 1, 3, true);
        Sink newest = new Sink();
        newest.writable = false;
        Outbound b = new Outbound(newest, 1, 3, false);
        for (int i = 0; i < 5; i++) {
            a.enqueue(memory("m" + i, 1));
            b.enqueue(memory("m" + i, 1));
        }
        assertThat(oldest.dropped).isEqualTo(2);
        assertThat(newest.dropped).isEqualTo(2);
        oldest.writable = true;
        newest.writable = true;
        a.pump();
        b.pump();
        assertThat(oldest.sent).containsExactly("PUBLISH 1 m2");
        assertThat(newest.sent).containsExactly("PUBLISH 1 m0");
    }

    @Test
    void notWritable_holdsMessagesBack_untilPumped() {
        Sink sink = new Sink();
        sink.writable = false;
        Outbound o = new Outbound(sink, 10, 100, true);
        o.enqueue(memory("a", 1));
        assertThat(sink.sent).isEmpty();
        sink.writable = true;
        o.pump();
        assertThat(sink.sent).containsExactly("PUBLISH 1 a");
    }

    @Test
    void abandon_returnsEverythingInFlightAndPending() {
        Sink sink = new Sink();
        Outbound o = new Outbound(sink, 1, 100, true);
        o.enqueue(memory("a", 1));
        o.enqueue(memory("b", 1));
        assertThat(o.abandon()).extracting(x -> new String(x.message().payload())).containsExactly("a", "b");
        assertThat(o.inflightCount()).isZero();
        assertThat(o.pendingCount()).isZero();
    }
}
