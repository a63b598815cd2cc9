package io.mqttcluster.bench.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {
    private static final long MS = 1_000_000L;

    @Test
    void permits_followTheScheduleFromTheStart_withoutDrift() {
        RateLimiter l = new RateLimiter(1000, 1.0);
        l.start(0);
        long used = 0;
        for (long t = 1; t <= 10_000; t++) { // a tick every millisecond for 10 s
            long n = l.available(t * MS);
            l.consume(n);
            used += n;
        }
        assertThat(used).isEqualTo(10_000);
        assertThat(l.skipped()).isZero();
    }

    @Test
    void backlog_isCaughtUpOnlyUpToTheBurst() {
        RateLimiter l = new RateLimiter(1000, 0.1);
        l.start(0);
        assertThat(l.available(50 * MS)).isEqualTo(50);
        assertThat(l.available(2_000 * MS)).as("2 s behind, only 0.1 s of catch-up").isEqualTo(100);
        assertThat(l.skipped()).isEqualTo(1_900);
        l.consume(100);
        assertThat(l.available(2_000 * MS)).isZero();
        assertThat(l.available(2_010 * MS)).isEqualTo(10);
    }

    @Test
    void slowRates_giveWholePermits() {
        RateLimiter l = new RateLimiter(0.5, 0.1);
        l.start(0);
        assertThat(l.available(1_999 * MS)).isZero();
        assertThat(l.available(2_000 * MS)).isEqualTo(1);
    }
}
