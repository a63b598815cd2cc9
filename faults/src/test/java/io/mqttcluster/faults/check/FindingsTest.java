package io.mqttcluster.faults.check;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FindingsTest {

    private static Findings findings(RunIndex idx, int maxExamples) {
        return new Findings(idx, new Details(idx, new Times(0), new FreshReceipts(idx)), maxExamples);
    }

    @Test
    void example_beyondTheLimitOfItsCategory_isDropped_inTheOrderFound() {
        Findings f = findings(new Histories().index(), 2);
        f.example("a", null, "s1", "first");
        f.example("b", null, "s2", "other");
        f.example("a", null, "s1", "second");
        f.example("a", null, "s1", "third");
        assertThat(f.examples()).extracting(Verdict.Finding::detail).containsExactly("first", "other", "second");
    }

    @Test
    void example_ofAMessage_startsWithWhatHappenedToIt() {
        RunIndex idx = Histories.persistentPair().message("p1", 0, 2, 20, 21).index();
        Findings f = findings(idx, 5);
        f.example("c", idx.message("p1", 0), "s1", "the detail");
        assertThat(f.examples().get(0).message()).isEqualTo("p1#0");
        assertThat(f.examples().get(0).detail()).startsWith("p1#0 qos 2 from persistent publisher p1").endsWith("; the detail");
    }

    @Test
    void findingAndInfo_countPerCategory() {
        Findings f = findings(new Histories().index(), 5);
        f.finding("x");
        f.finding("x");
        f.info("y");
        assertThat(f.findings()).containsEntry("x", 2L).doesNotContainKey("y");
        assertThat(f.info()).containsEntry("y", 1L);
    }

    @Test
    void countUnreleased_onlyQos2FromACleanPublisherWithoutPubcomp() {
        RunIndex idx = new Histories().pub("clean", true, 2).pub("persistent", false, 2)
                .connect("clean", 1, "f1", 0, false).connect("persistent", 1, "f1", 0, false)
                .message("clean", 0, 2, 20, 21).message("persistent", 0, 2, 20, 21).index();
        Findings f = findings(idx, 5);
        f.countUnreleased(idx.message("clean", 0));
        f.countUnreleased(idx.message("persistent", 0));
        assertThat(f.lostUnreleased()).isEqualTo(1);
    }
}
