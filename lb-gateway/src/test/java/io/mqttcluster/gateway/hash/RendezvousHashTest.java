package io.mqttcluster.gateway.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DESIGN.md invariant 9: stable hashing at the gateway. */
class RendezvousHashTest {
    private static final int IDS = 100_000;
    private static final List<String> FIVE = List.of("10.0.0.1:1883", "10.0.0.2:1883", "10.0.0.3:1883", "10.0.0.4:1883", "10.0.0.5:1883");
    private static final Function<String, String> KEY = s -> s;
    private static List<byte[]> ids;

    @BeforeAll
    static void makeIds() {
        Random random = new Random(20240611L);
        ids = new ArrayList<>(IDS);
        for (int i = 0; i < IDS; i++) {
            ids.add(("client-" + Long.toHexString(random.nextLong()) + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static List<String> assign(List<String> nodes) {
        List<String> out = new ArrayList<>(IDS);
        for (byte[] id : ids) {
            out.add(RendezvousHash.best(id, nodes, KEY));
        }
        return out;
    }

    @Test
    void best_sameNodesInAnyOrder_sameAnswerForEveryId() {
        List<String> shuffled = new ArrayList<>(FIVE);
        Collections.shuffle(shuffled, new Random(7));
        List<String> reversed = new ArrayList<>(FIVE);
        Collections.reverse(reversed);
        assertThat(assign(shuffled)).isEqualTo(assign(FIVE));
        assertThat(assign(reversed)).isEqualTo(assign(FIVE));
    }

    @Test
    void rank_firstElement_isBest() {
        for (int i = 0; i < 1000; i++) {
            byte[] id = ids.get(i);
            List<String> ranked = RendezvousHash.rank(id, FIVE, KEY);
            assertThat(ranked).containsExactlyInAnyOrderElementsOf(FIVE);
            assertThat(ranked.get(0)).isEqualTo(RendezvousHash.best(id, FIVE, KEY));
        }
    }

    @Test
    void best_fixedInputs_knownAnswers() {
        // Pinned so that a change of hash or key format (which would move every client of a
        // running cluster, and make old and new replicas disagree) fails here first.
        List<String> nodes = List.of("a:1883", "b:1883", "c:1883");
        assertThat(RendezvousHash.rank("sensor-7".getBytes(StandardCharsets.UTF_8), nodes, KEY))
                .isEqualTo(PINNED_SENSOR_7);
        assertThat(RendezvousHash.best("".getBytes(StandardCharsets.UTF_8), nodes, KEY)).isEqualTo(PINNED_EMPTY);
    }

    private static final List<String> PINNED_SENSOR_7 = List.of("a:1883", "c:1883", "b:1883");
    private static final String PINNED_EMPTY = "a:1883";

    @Test
    void best_fiveNodes_spreadWithinThreePercentOfEven() {
        Map<String, Integer> counts = new HashMap<>();
        for (String n : assign(FIVE)) {
            counts.merge(n, 1, Integer::sum);
        }
        assertThat(counts).hasSize(5);
        double even = IDS / 5.0;
        for (int c : counts.values()) {
            assertThat((double) c).isCloseTo(even, within(even * 0.03));
        }
    }

    @Test
    void best_oneOfFiveNodesRemoved_onlyItsIdsMove() {
        List<String> before = assign(FIVE);
        String removed = FIVE.get(2);
        List<String> four = new ArrayList<>(FIVE);
        four.remove(removed);
        List<String> after = assign(four);
        int moved = 0;
        for (int i = 0; i < IDS; i++) {
            if (before.get(i).equals(removed)) {
                moved++;
                // it falls to its runner-up in the old order
                assertThat(after.get(i)).isEqualTo(RendezvousHash.rank(ids.get(i), FIVE, KEY).get(1));
            } else {
                assertThat(after.get(i)).isEqualTo(before.get(i));
            }
        }
        assertThat((double) moved / IDS).isCloseTo(1 / 5.0, within(0.01));
    }

    @Test
    void best_sixthNodeAdded_aboutOneSixthMoveAllToTheNewNode() {
        List<String> before = assign(FIVE);
        List<String> six = new ArrayList<>(FIVE);
        six.add("10.0.0.6:1883");
        List<String> after = assign(six);
        int moved = 0;
        for (int i = 0; i < IDS; i++) {
            if (!after.get(i).equals(before.get(i))) {
                moved++;
                assertThat(after.get(i)).isEqualTo("10.0.0.6:1883");
            }
        }
        assertThat((double) moved / IDS).isCloseTo(1 / 6.0, within(0.01));
    }

    @Test
    void best_manyNodeCounts_spreadAndMinimalMovementHold() {
        for (int n = 2; n <= 12; n += 5) {
            List<String> nodes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                nodes.add("broker-" + i + ".broker.mqtt.svc.cluster.local:1883");
            }
            List<String> before = assign(nodes);
            nodes.add("broker-" + n + ".broker.mqtt.svc.cluster.local:1883");
            List<String> after = assign(nodes);
            long moved = 0;
            for (int i = 0; i < IDS; i++) {
                if (!after.get(i).equals(before.get(i))) {
                    moved++;
                }
            }
            assertThat((double) moved / IDS).isCloseTo(1.0 / (n + 1), within(0.01));
        }
    }

    @Test
    void best_noNodes_null() {
        assertThat(RendezvousHash.best(ids.get(0), List.<String>of(), KEY)).isNull();
        assertThat(RendezvousHash.rank(ids.get(0), List.<String>of(), KEY)).isEmpty();
    }
}
