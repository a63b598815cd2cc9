package io.mqttcluster.bench.measure;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SeqTrackerTest {

    @Test
    void inOrder_allFirst_noGaps() {
        SeqTracker t = new SeqTracker();
        for (long s = 0; s < 1_000; s++) {
            assertThat(t.mark(s)).isEqualTo(SeqTracker.FIRST);
        }
        assertThat(t.distinct()).isEqualTo(1_000);
        assertThat(t.gaps()).isZero();
        assertThat(t.lost(1_000)).isZero();
        assertThat(t.lost(1_005)).isEqualTo(5);
    }

    @Test
    void repeat_isDuplicate_evenLongAfter() {
        SeqTracker t = new SeqTracker();
        for (long s = 0; s < 100_000; s++) {
            t.mark(s);
        }
        assertThat(t.mark(3)).isEqualTo(SeqTracker.DUPLICATE);
        assertThat(t.mark(99_999)).isEqualTo(SeqTracker.DUPLICATE);
        assertThat(t.mark(100_000)).isEqualTo(SeqTracker.FIRST);
    }

    @Test
    void gap_isCountedAndFilledLater() {
        SeqTracker t = new SeqTracker();
        for (long s = 0; s < 500; s++) {
            if (s != 7 && s != 300) {
                t.mark(s);
            }
        }
        assertThat(t.gaps()).isEqualTo(2);
        assertThat(t.lost(500)).isEqualTo(2);
        assertThat(t.seen(7)).isFalse();
        assertThat(t.mark(7)).isEqualTo(SeqTracker.FIRST);
        assertThat(t.mark(7)).isEqualTo(SeqTracker.DUPLICATE);
        assertThat(t.lost(500)).isEqualTo(1);
    }

    @Test
    void shuffledWithDuplicates_distinctIsExact() {
        List<Long> seqs = new ArrayList<>();
        for (long s = 0; s < 50_000; s++) {
            seqs.add(s);
            if (s % 97 == 0) {
                seqs.add(s);
            }
        }
        Collections.shuffle(seqs, new Random(42));
        SeqTracker t = new SeqTracker();
        int dups = 0;
        for (long s : seqs) {
            if (t.mark(s) == SeqTracker.DUPLICATE) {
                dups++;
            }
        }
        assertThat(t.distinct()).isEqualTo(50_000);
        assertThat(dups).isEqualTo(50_000 / 97 + 1);
        assertThat(t.lost(50_000)).isZero();
    }

    @Test
    void nonsense_isInvalid() {
        SeqTracker t = new SeqTracker();
        assertThat(t.mark(-1)).isEqualTo(SeqTracker.INVALID);
        assertThat(t.mark(1L << 40)).isEqualTo(SeqTracker.INVALID);
        assertThat(t.distinct()).isZero();
    }
}
