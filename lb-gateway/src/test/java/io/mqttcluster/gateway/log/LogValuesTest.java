package io.mqttcluster.gateway.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogValuesTest {

    @Test
    void quote_safeValue_plain() {
        assertThat(LogValues.quote("sensor-1")).isEqualTo("sensor-1");
        assertThat(LogValues.quote(null)).isEqualTo("-");
        assertThat(LogValues.quote("")).isEqualTo("\"\"");
    }

    @Test
    void quote_spacesQuotesEqualsAndControls_quotedAndEscaped() {
        assertThat(LogValues.quote("a b")).isEqualTo("\"a b\"");
        assertThat(LogValues.quote("x=1 event=fake")).isEqualTo("\"x=1 event=fake\"");
        assertThat(LogValues.quote("q\"\\")).isEqualTo("\"q\\\"\\\\\"");
        assertThat(LogValues.quote("line\nbreak")).isEqualTo("\"line\\x0abreak\"");
    }

    @Test
    void quote_longValue_cut() {
        assertThat(LogValues.quote("x".repeat(500))).hasSize(128 + 5).endsWith("...\"");
    }

    @Test
    void rateLimitedLog_overLimit_dropsAndReportsSuppressedCount() {
        AtomicLong now = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(2, now::get);
        assertThat(log.tryAcquire()).isZero();
        assertThat(log.tryAcquire()).isZero();
        assertThat(log.tryAcquire()).isEqualTo(-1);
        assertThat(log.tryAcquire()).isEqualTo(-1);
        now.set(1_000_000_000L);
        assertThat(log.tryAcquire()).isEqualTo(2);
        assertThat(log.tryAcquire()).isZero();
    }
}
