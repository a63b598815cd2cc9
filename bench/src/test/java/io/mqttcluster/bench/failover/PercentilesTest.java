package io.mqttcluster.bench.failover;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PercentilesTest {

    private static List<Double> oneTo(int n) {
        List<Double> v = new ArrayList<>();
        for (int i = n; i >= 1; i--) {
            v.add((double) i);
        }
        return v;
    }

    @Test
    void summary_empty_isNone() {
        assertThat(Percentiles.summary(new ArrayList<>())).isEqualTo("none");
    }

    @Test
    void summary_hundredValues_picksByIndexIntoTheSortedValues() {
        // indexes 50, 90, 99 of 1..100: the values 51, 91, 100
        assertThat(Percentiles.summary(oneTo(100))).isEqualTo("n=100 p50=51 p90=91 p99=100 max=100");
    }

    @Test
    void summary_fewValues_p99IsTheLast() {
        assertThat(Percentiles.summary(oneTo(3))).isEqualTo("n=3 p50=2 p90=3 p99=3 max=3");
        assertThat(Percentiles.summary(new ArrayList<>(List.of(7.4)))).isEqualTo("n=1 p50=7 p90=7 p99=7 max=7");
    }

    @Test
    void summary_roundsToWholeMilliseconds() {
        assertThat(Percentiles.summary(new ArrayList<>(List.of(0.4, 1.6)))).isEqualTo("n=2 p50=2 p90=2 p99=2 max=2");
    }

    @Test
    void nearestRank_hundredValues_isTheValueAtThatRank() {
        assertThat(Percentiles.nearestRank(oneTo(100), 50)).isEqualTo(50.0);
        assertThat(Percentiles.nearestRank(oneTo(100), 99)).isEqualTo(99.0);
    }

    @Test
    void nearestRank_fiftyValues_roundsTheRankUp() {
        // 0.99 * 50 = 49.5 -> rank 50; 0.5 * 50 = 25 -> rank 25
        assertThat(Percentiles.nearestRank(oneTo(50), 99)).isEqualTo(50.0);
        assertThat(Percentiles.nearestRank(oneTo(50), 50)).isEqualTo(25.0);
    }

    @Test
    void nearestRank_leavesItsInputUnsorted() {
        List<Double> v = new ArrayList<>(List.of(3.0, 1.0, 2.0));
        assertThat(Percentiles.nearestRank(v, 50)).isCloseTo(2.0, within(0.0));
        assertThat(v).containsExactly(3.0, 1.0, 2.0);
    }
}
