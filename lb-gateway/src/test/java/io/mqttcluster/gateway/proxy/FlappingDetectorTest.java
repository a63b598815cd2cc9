package io.mqttcluster.gateway.proxy;

import static io.mqttcluster.gateway.proxy.FlappingDetector.Verdict.ALLOWED;
import static io.mqttcluster.gateway.proxy.FlappingDetector.Verdict.BANNED;
import static io.mqttcluster.gateway.proxy.FlappingDetector.Verdict.BAN_STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.mqttcluster.gateway.config.GatewayOptions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FlappingDetectorTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(123 * SECOND);

    private FlappingDetector detector(int maxConnects, int windowSeconds, int banSeconds, int maxIds) {
        return new FlappingDetector(maxConnects, Duration.ofSeconds(windowSeconds), Duration.ofSeconds(banSeconds), maxIds, now::get);
    }

    /** The shipped defaults (limits.flapping.*). */
    private FlappingDetector defaults() {
        GatewayOptions o = new GatewayOptions();
        return new FlappingDetector(o.flappingMaxConnects(), o.flappingWindow(), o.flappingBan(), o.flappingMaxClientIds(), now::get);
    }

    @Test
    void connect_overMaxWithinWindow_bansThatIdAloneUntilTheBanEnds() {
        FlappingDetector d = detector(3, 10, 60, 100);
        for (int i = 0; i < 3; i++) {
            assertThat(d.connect("dev")).isEqualTo(ALLOWED);
            now.addAndGet(SECOND);
        }
        assertThat(d.connect("dev")).isEqualTo(BAN_STARTED);
        assertThat(d.banned()).isEqualTo(1);
        assertThat(d.connect("other")).as("another id is not affected").isEqualTo(ALLOWED);
        for (int i = 0; i < 100; i++) {
            assertThat(d.connect("dev")).as("refusals during the ban do not prolong it").isEqualTo(BANNED);
        }
        now.addAndGet(60 * SECOND - 1);
        assertThat(d.connect("dev")).isEqualTo(BANNED);
        now.addAndGet(1);
        assertThat(d.connect("dev")).as("ban over: a fresh count").isEqualTo(ALLOWED);
        assertThat(d.banned()).isZero();
        assertThat(d.connect("dev")).isEqualTo(ALLOWED);
        assertThat(d.connect("dev")).isEqualTo(ALLOWED);
        assertThat(d.connect("dev")).isEqualTo(BAN_STARTED);
    }

    @Test
    void connect_spreadOverWindows_neverBanned() {
        FlappingDetector d = detector(3, 10, 60, 100);
        for (int i = 0; i < 30; i++) {
            assertThat(d.connect("dev")).isEqualTo(ALLOWED);
            now.addAndGet(4 * SECOND); // 3 per window of 10 s at most
        }
    }

    @Test
    void defaults_reconnectWithBackoffOrEveryFiveSeconds_neverBanned_tightLoopBannedAtSixteen() {
        FlappingDetector d = defaults();
        // exponential backoff from 1 s, capped at 2 min (Paho's automatic reconnect), for an hour
        long backoff = SECOND;
        for (long t = 0; t < 3600 * SECOND; t += backoff, backoff = Math.min(2 * backoff, 120 * SECOND)) {
            now.addAndGet(backoff);
            assertThat(d.connect("backoff")).isEqualTo(ALLOWED);
        }
        // a fixed 5 s reconnect delay (an MQTT.js client with reconnectPeriod 5000) for an hour
        for (int i = 0; i < 720; i++) {
            now.addAndGet(5 * SECOND);
            assertThat(d.connect("fixed")).isEqualTo(ALLOWED);
        }
        // a reconnect every 100 ms: banned at the 16th CONNECT, 1.5 s in
        for (int i = 1; i <= 15; i++) {
            assertThat(d.connect("tight")).isEqualTo(ALLOWED);
            now.addAndGet(SECOND / 10);
        }
        assertThat(d.connect("tight")).isEqualTo(BAN_STARTED);
    }

    @Test
    void connect_emptyIdOrOff_neverTracked() {
        FlappingDetector d = detector(1, 10, 60, 100);
        for (int i = 0; i < 10; i++) {
            assertThat(d.connect("")).isEqualTo(ALLOWED);
        }
        assertThat(d.tracked()).isZero();
        FlappingDetector off = detector(0, 10, 60, 100);
        for (int i = 0; i < 10; i++) {
            assertThat(off.connect("dev")).isEqualTo(ALLOWED);
        }
        assertThat(off.tracked()).isZero();
    }

    @Test
    void connect_tableFull_newIdsUntrackedUntilSweepFreesExpiredEntries() {
        FlappingDetector d = detector(1, 10, 60, 2);
        d.connect("a");
        d.connect("b");
        assertThat(d.tracked()).isEqualTo(2);
        assertThat(d.connect("c")).isEqualTo(ALLOWED);
        assertThat(d.connect("c")).as("untracked: never banned").isEqualTo(ALLOWED);
        assertThat(d.connect("a")).as("tracked ids still counted").isEqualTo(BAN_STARTED);
        now.addAndGet(10 * SECOND);
        d.sweep();
        assertThat(d.tracked()).as("b's window is over; a's ban is not").isEqualTo(1);
        assertThat(d.banned()).isEqualTo(1);
        now.addAndGet(60 * SECOND);
        d.sweep();
        assertThat(d.tracked()).isZero();
        assertThat(d.banned()).isZero();
        assertThat(d.connect("c")).isEqualTo(ALLOWED);
        assertThat(d.connect("c")).isEqualTo(BAN_STARTED);
    }
}
