package io.mqttcluster.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void tryTake_burstThenRate_refusesWhenEmptyRefillsOverTime() {
        TokenBucket b = new TokenBucket(20, 50, 0);
        for (int i = 0; i < 50; i++) {
            assertThat(b.tryTake(0)).isTrue();
        }
        assertThat(b.tryTake(0)).isFalse();
        assertThat(b.tryTake(SECOND / 20 - 1)).isFalse();
        assertThat(b.tryTake(SECOND / 20)).isTrue();
        assertThat(b.takeUpTo(100, SECOND / 20 + SECOND)).isEqualTo(20);
        assertThat(b.isFull(100 * SECOND)).isTrue();
    }

    @Test
    void takeUpTo_giveBack_neverAboveCapacity() {
        TokenBucket b = new TokenBucket(10, 2, 0);
        assertThat(b.takeUpTo(5, 0)).isEqualTo(2);
        b.giveBack(5);
        assertThat(b.takeUpTo(5, 0)).isEqualTo(2);
    }

    @Test
    void sourceRateLimiter_perAddress_limitsEachSeparatelyAndSweepsFullBuckets() {
        AtomicLong now = new AtomicLong();
        SourceRateLimiter limiter = new SourceRateLimiter(1, 2, now::get);
        assertThat(limiter.allow("10.0.0.1")).isTrue();
        assertThat(limiter.allow("10.0.0.1")).isTrue();
        assertThat(limiter.allow("10.0.0.1")).isFalse();
        assertThat(limiter.allow("10.0.0.2")).isTrue();
        assertThat(limiter.size()).isEqualTo(2);
        now.addAndGet(10 * SECOND);
        limiter.sweep();
        assertThat(limiter.size()).isZero();
        assertThat(limiter.allow("10.0.0.1")).isTrue();
    }

    @Test
    void sourceRateLimiter_rateZero_allowsAll() {
        SourceRateLimiter limiter = new SourceRateLimiter(0, 1, System::nanoTime);
        for (int i = 0; i < 1000; i++) {
            assertThat(limiter.allow("x")).isTrue();
        }
        assertThat(limiter.size()).isZero();
    }

    @Test
    void connectionLimit_atMax_refusesUntilReleased() {
        ConnectionLimit limit = new ConnectionLimit(2);
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isFalse();
        assertThat(limit.open()).isEqualTo(2);
        limit.release();
        assertThat(limit.tryAcquire()).isTrue();
    }
}
