package io.mqttcluster.cluster.forward;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The link's bookkeeping without sockets: numbering, acknowledgement, put back and resume. */
class SendWindowTest {

    private static byte[] data() {
        return BusFrames.data(1, Buffer.buffer(new byte[10])); // 24 bytes framed
    }

    /** The DATA sequences in a written batch, and -1 for each request. */
    private static List<Long> seqs(SendWindow.Batch batch) {
        List<Long> out = new ArrayList<>();
        Buffer b = batch.bytes();
        int pos = 0;
        while (pos < b.length()) {
            int len = b.getInt(pos);
            out.add(b.getByte(pos + 4) == BusFrames.DATA ? b.getLong(pos + 5) : -1L);
            pos += 4 + len;
        }
        return out;
    }

    @Test
    void add_threeFrames_numberedFromOneAndCounted() {
        SendWindow w = new SendWindow();

        assertThat(List.of(w.add(data()), w.add(data()), w.add(data()))).containsExactly(1L, 2L, 3L);

        assertThat(w.bytes()).isEqualTo(72);
        assertThat(w.lastSeq()).isEqualTo(3);
        assertThat(w.acked()).isZero();
    }

    @Test
    void ack_partOfWhatIsInFlight_dropsItAndItsBytes() {
        SendWindow w = new SendWindow();
        w.add(data());
        w.add(data());
        w.add(data());
        assertThat(seqs(w.takeBatch(1 << 20))).containsExactly(1L, 2L, 3L);

        assertThat(w.ack(2)).isTrue();

        assertThat(w.acked()).isEqualTo(2);
        assertThat(w.bytes()).isEqualTo(24);
        assertThat(w.ack(5)).isFalse(); // 4 and 5 were never written
    }

    @Test
    void putBackThenResume_dropsWhatReceiverProcessedAndResendsRestInOrder() {
        SendWindow w = new SendWindow();
        for (int i = 0; i < 5; i++) {
            w.add(data());
        }
        w.takeBatch(1 << 20);
        w.ack(1);
        w.addRequest(BusFrames.request(9, 2, Buffer.buffer()));
        w.add(data()); // 6, never written

        assertThat(w.putBack()).isEqualTo(4);
        assertThat(w.resume(3)).isTrue();
        SendWindow.Batch again = w.takeBatch(1 << 20);

        assertThat(seqs(again)).containsExactly(4L, 5L, -1L, 6L);
        assertThat(again.resent()).isEqualTo(2);
        assertThat(w.acked()).isEqualTo(3);
        assertThat(w.queuedRequests()).isZero();
    }

    @Test
    void resume_beyondWhatWasWrittenOrBelowAcked_refused() {
        SendWindow w = new SendWindow();
        w.add(data());
        w.add(data());
        w.takeBatch(1 << 20);
        w.ack(1);
        w.add(data());
        w.putBack();

        assertThat(w.resume(3)).isFalse(); // 3 was never written
        assertThat(w.resume(0)).isFalse(); // 1 was acknowledged already
        assertThat(w.resume(2)).isTrue();
    }

    @Test
    void takeBatch_moreThanMaxBytes_stopsAfterTheFrameThatCrossesIt() {
        SendWindow w = new SendWindow();
        for (int i = 0; i < 10; i++) {
            w.add(data());
        }

        assertThat(seqs(w.takeBatch(50))).containsExactly(1L, 2L, 3L);
        assertThat(w.hasUnsent()).isTrue();
        assertThat(seqs(w.takeBatch(1 << 20))).hasSize(7);
    }
}
