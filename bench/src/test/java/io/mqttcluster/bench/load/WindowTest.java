package io.mqttcluster.bench.load;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WindowTest {

    @Test
    void acquire_upToCapacity_thenRefuses() {
        Window w = new Window(10, 1000);
        for (int i = 0; i < 10; i++) {
            assertThat(w.tryAcquire(1)).isTrue();
        }
        assertThat(w.tryAcquire(1)).isFalse();
        w.release(1);
        assertThat(w.tryAcquire(1)).isTrue();
        assertThat(w.maxOutstanding()).isEqualTo(10);
    }

    @Test
    void multiUnitMessage_fitsOnlyWhole_butAloneMayExceed() {
        Window w = new Window(5, 1000);
        assertThat(w.tryAcquire(3)).isTrue();
        assertThat(w.tryAcquire(3)).isFalse();
        w.release(3);
        assertThat(w.tryAcquire(8)).as("an empty window lets one larger message through").isTrue();
    }

    @Test
    void stall_isForgivenAfterTheTimeout_onlyWhenNothingArrives() {
        Window w = new Window(2, 100);
        w.tryAcquire(2);
        int[] woken = {0};
        w.park(() -> woken[0]++);
        long t0 = System.nanoTime();
        assertThat(w.checkStall(t0)).isFalse();
        assertThat(w.checkStall(t0 + 50_000_000L)).isFalse();
        assertThat(w.checkStall(t0 + 200_000_000L)).isTrue();
        assertThat(w.outstanding()).isZero();
        assertThat(w.stalls()).isEqualTo(1);
        assertThat(woken[0]).isEqualTo(1);
    }

    @Test
    void parked_isWokenWhenAQuarterIsFree() {
        Window w = new Window(8, 1000);
        w.tryAcquire(8);
        int[] woken = {0};
        w.park(() -> woken[0]++);
        w.release(1);
        assertThat(woken[0]).isZero();
        w.release(1);
        assertThat(woken[0]).isEqualTo(1);
    }

    @Test
    void release_neverGoesNegative() {
        Window w = new Window(4, 1000);
        w.release(3);
        assertThat(w.outstanding()).isZero();
    }
}
