package io.mqttcluster.faults.nemesis;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The plan is a function of the seed: same seed, same plan; kinds, targets and durations within bounds. */
class FaultScheduleTest {

    @Test
    void sameSeed_samePlan_otherSeed_otherPlan() {
        Set<FaultKind> all = EnumSet.allOf(FaultKind.class);
        assertThat(FaultSchedule.plan(42, all, 3, 14, 50)).isEqualTo(FaultSchedule.plan(42, all, 3, 14, 50));
        assertThat(FaultSchedule.plan(42, all, 3, 14, 50)).isNotEqualTo(FaultSchedule.plan(43, all, 3, 14, 50));
        // the order in which kinds are given does not matter
        assertThat(FaultSchedule.plan(7, EnumSet.of(FaultKind.STOP, FaultKind.KILL), 3, 14, 20))
                .isEqualTo(FaultSchedule.plan(7, Set.of(FaultKind.KILL, FaultKind.STOP), 3, 14, 20));
    }

    @Test
    void plan_staysWithinTheKindsTargetsAndDurations() {
        List<Fault> plan = FaultSchedule.plan(1, EnumSet.of(FaultKind.KILL, FaultKind.STOP, FaultKind.PARTITION,
                FaultKind.PARTITION_PARTIAL, FaultKind.TAKEOVER), 3, 14, 400);
        assertThat(plan).extracting(Fault::kind).containsOnly(FaultKind.KILL, FaultKind.STOP, FaultKind.PARTITION,
                FaultKind.PARTITION_PARTIAL, FaultKind.TAKEOVER);
        for (Fault f : plan) {
            assertThat(f.node()).isBetween(0, 2);
            assertThat(f.otherNode()).isBetween(0, 2).isNotEqualTo(f.node());
            assertThat(f.client()).isBetween(0, 13);
            assertThat(f.gapMs()).isBetween(2_000L, 8_000L);
            switch (f.kind()) {
                case KILL -> assertThat(f.durationMs()).isBetween(3_000L, 15_000L);
                case STOP -> assertThat(f.durationMs()).isBetween(1_000L, 12_000L);
                case PARTITION, PARTITION_PARTIAL -> assertThat(f.durationMs()).isBetween(5_000L, 20_000L);
                default -> assertThat(f.durationMs()).isZero();
            }
        }
        assertThat(plan.stream().filter(f -> f.kind() == FaultKind.STOP).mapToLong(Fault::durationMs))
                .anyMatch(d -> d < 5_000).anyMatch(d -> d > 5_000); // both sides of cluster.max-no-heartbeat
    }

    @Test
    void noKinds_noFaults() {
        assertThat(FaultSchedule.plan(1, EnumSet.noneOf(FaultKind.class), 3, 14, 10)).isEmpty();
    }
}
