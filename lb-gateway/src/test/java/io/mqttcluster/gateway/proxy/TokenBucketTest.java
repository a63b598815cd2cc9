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
    void reserve_overTheBurst_queuesTakersOneTokenApartUpToTheMaxWait() {
        TokenBucket b = new TokenBucket(20, 2, 0); // a token every 50 ms
        long maxWait = SECOND / 5; // 200 ms: four tokens ahead
        assertThat(b.reserve(0, maxWait)).isZero();
        assertThat(b.reserve(0, maxWait)).isZero();
        assertThat(b.reserve(0, maxWait)).isEqualTo(SECOND / 20);
        assertThat(b.reserve(0, maxWait)).isEqualTo(2 * SECOND / 20);
        assertThat(b.reserve(0, maxWait)).isEqualTo(3 * SECOND / 20);
        assertThat(b.reserve(0, maxWait)).isEqualTo(4 * SECOND / 20);
        assertThat(b.currentWait(0)).isEqualTo(5 * SECOND / 20);
        assertThat(b.reserve(0, maxWait)).as("past the max wait: refused, nothing taken").isEqualTo(-1);
        assertThat(b.currentWait(0)).isEqualTo(5 * SECOND / 20);
        // 100 ms later the first two waiters are due: the next taker waits 150 ms, not 250
        assertThat(b.reserve(SECOND / 10, maxWait)).isEqualTo(3 * SECOND / 20);
        assertThat(b.isFull(SECOND / 10)).isFalse();
        // the debt is paid at the rate, then the bucket fills up again
        assertThat(b.currentWait(SECOND / 4)).as("debt paid, the next token 50 ms away").isEqualTo(SECOND / 20);
        assertThat(b.currentWait(3 * SECOND / 10)).isZero();
        assertThat(b.isFull(SECOND / 4 + SECOND / 10)).isTrue();
    }

    @Test
    void reserve_maxWaitZero_takesOnlyTokensThatAreThere() {
        TokenBucket b = new TokenBucket(1, 1, 0);
        assertThat(b.reserve(0, 0)).isZero();
        assertThat(b.reserve(0, 0)).isEqualTo(-1);
        assertThat(b.reserve(SECOND, 0)).isZero();
    }

    @Test
    void sourceRateLimiter_reserve_waitsPerAddressAndCancelGivesTheTurnBack() {
        AtomicLong now = new AtomicLong();
        SourceRateLimiter limiter = new SourceRateLimiter(10, 1, now::get);
        assertThat(limiter.reserve("10.0.0.1", SECOND)).isZero();
        assertThat(limiter.reserve("10.0.0.1", SECOND)).isEqualTo(SECOND / 10);
        assertThat(limiter.reserve("10.0.0.2", SECOND)).as("another address has its own bucket").isZero();
        limiter.cancel("10.0.0.1");
        assertThat(limiter.reserve("10.0.0.1", SECOND)).isEqualTo(SECOND / 10);
        limiter.sweep();
        assertThat(limiter.size()).as("a bucket in debt is kept").isEqualTo(2);
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
