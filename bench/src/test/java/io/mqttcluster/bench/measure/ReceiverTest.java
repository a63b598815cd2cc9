package io.mqttcluster.bench.measure;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReceiverTest {

    @Test
    void expectedPublishers_onlyThoseAreTracked_lostAgainstSentCounts() {
        Receiver r = new Receiver("sub", false, new int[] {0, 2});
        r.mark(0, 0);
        r.mark(0, 1);
        r.mark(0, 1);
        assertThat(r.mark(1, 0)).isEqualTo(SeqTracker.INVALID);
        r.mark(2, 5);
        r.outOfOrder(2);

        List<Receiver.StreamResult> results = r.results(new long[] {3, 10, 6});

        assertThat(results).hasSize(2);
        Receiver.StreamResult p0 = results.get(0);
        assertThat(p0.publisher).isZero();
        assertThat(p0.lost).isEqualTo(1);
        assertThat(p0.duplicates).isEqualTo(1);
        Receiver.StreamResult p2 = results.get(1);
        assertThat(p2.lost).as("publisher 2 sent 6, only seq 5 arrived").isEqualTo(5);
        assertThat(p2.outOfOrder).isEqualTo(1);
        assertThat(r.unexpected()).isEqualTo(1);
    }

    @Test
    void noExpectations_lostMeansGaps() {
        Receiver r = new Receiver("sub", false, null);
        r.mark(40, 0);
        r.mark(40, 3);

        List<Receiver.StreamResult> results = r.results(null);

        assertThat(results).singleElement().satisfies(s -> {
            assertThat(s.publisher).isEqualTo(40);
            assertThat(s.lost).isEqualTo(2);
            assertThat(s.expected).isEqualTo(4);
        });
    }
}
