package io.mqttcluster.gateway.backend;

import static io.mqttcluster.gateway.backend.HealthTracker.Outcome.FAILED;
import static io.mqttcluster.gateway.backend.HealthTracker.Outcome.NOT_READY;
import static io.mqttcluster.gateway.backend.HealthTracker.Outcome.READY;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HealthTrackerTest {

    @Test
    void record_firstOutcome_decidesAtOnce() {
        assertThat(new HealthTracker(2, 2).state()).isEqualTo(NodeState.DOWN);
        assertThat(new HealthTracker(2, 2).record(READY)).isEqualTo(NodeState.UP);
        assertThat(new HealthTracker(2, 2).record(NOT_READY)).isEqualTo(NodeState.DRAINING);
        assertThat(new HealthTracker(2, 2).record(FAILED)).isEqualTo(NodeState.DOWN);
    }

    @Test
    void record_upThenFailures_downAfterFall() {
        HealthTracker t = new HealthTracker(2, 2);
        t.record(READY);
        assertThat(t.record(FAILED)).isEqualTo(NodeState.UP);
        assertThat(t.record(FAILED)).isEqualTo(NodeState.DOWN);
    }

    @Test
    void record_downThenPasses_upAfterRise() {
        HealthTracker t = new HealthTracker(3, 1);
        t.record(FAILED);
        assertThat(t.record(READY)).isEqualTo(NodeState.DOWN);
        assertThat(t.record(READY)).isEqualTo(NodeState.DOWN);
        assertThat(t.record(READY)).isEqualTo(NodeState.UP);
    }

    @Test
    void record_alternatingOutcomes_noFlapping() {
        HealthTracker t = new HealthTracker(2, 2);
        t.record(READY);
        for (int i = 0; i < 10; i++) {
            assertThat(t.record(FAILED)).isEqualTo(NodeState.UP);
            assertThat(t.record(READY)).isEqualTo(NodeState.UP);
        }
    }

    @Test
    void record_upThenNotReady_drainingAfterFall_thenUpAfterRise() {
        HealthTracker t = new HealthTracker(2, 2);
        t.record(READY);
        assertThat(t.record(NOT_READY)).isEqualTo(NodeState.UP);
        assertThat(t.record(NOT_READY)).isEqualTo(NodeState.DRAINING);
        assertThat(t.record(READY)).isEqualTo(NodeState.DRAINING);
        assertThat(t.record(READY)).isEqualTo(NodeState.UP);
    }
}
