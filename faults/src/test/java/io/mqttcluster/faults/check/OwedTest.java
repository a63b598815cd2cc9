package io.mqttcluster.faults.check;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Who is owed a message: the rules {@link LossCheck} and {@link GroupCheck} share. */
class OwedTest {

    @Test
    void matching_keepsOnlyTheFiltersThatMatchTheTopic() {
        RunIndex idx = new Histories().sub("s1", false, "h/p1/t@1;x/#@2;h/+/t@0").index();
        List<RunIndex.Filter> m = Owed.matching(idx.clients.get("s1"), "h/p1/t");
        assertThat(m).extracting(RunIndex.Filter::filter).containsExactly("h/p1/t", "h/+/t");
    }

    @Test
    void firstSuback_refusedGrant_isNotASubscription() {
        RunIndex idx = new Histories().sub("s1", false, "h/#@1")
                .connect("s1", 1, "f1", 0, false).suback("s1", 1, "h/#", 0x80, 10)
                .connect("s1", 2, "f2", 15, false).suback("s1", 2, "h/#", 1, 20).index();
        RunIndex.ClientInfo s1 = idx.clients.get("s1");
        assertThat(Owed.firstSuback(s1, Owed.matching(s1, "h/p1/t"))).isEqualTo(20_000);
    }

    @Test
    void firstSuback_neverGranted_isMinusOne() {
        RunIndex idx = new Histories().sub("s1", false, "h/#@1").connect("s1", 1, "f1", 0, false).index();
        RunIndex.ClientInfo s1 = idx.clients.get("s1");
        assertThat(Owed.firstSuback(s1, Owed.matching(s1, "h/p1/t"))).isEqualTo(-1);
    }

    @Test
    void cleanConnectionOwing_pingAnsweredAfterTheAck_isThatConnection() {
        RunIndex idx = new Histories().pub("p1", false, 1).sub("s1", true, "h/#@1")
                .connect("p1", 1, "f1", 0, false).connect("s1", 1, "f2", 0, false).suback("s1", 1, "h/#", 1, 10)
                .message("p1", 0, 1, 20, 21).alive("s1", 1, 30, 31).index();
        RunIndex.ClientInfo s1 = idx.clients.get("s1");
        RunIndex.Conn owing = Owed.cleanConnectionOwing(s1, Owed.matching(s1, "h/p1/t"), idx.message("p1", 0));
        assertThat(owing).isNotNull();
        assertThat(owing.id).isEqualTo(1);
    }

    @Test
    void cleanConnectionOwing_noPingAfterTheAck_isNone() {
        // the broker may have closed the connection before the message without the client noticing yet
        RunIndex idx = new Histories().pub("p1", false, 1).sub("s1", true, "h/#@1")
                .connect("p1", 1, "f1", 0, false).connect("s1", 1, "f2", 0, false).suback("s1", 1, "h/#", 1, 10)
                .alive("s1", 1, 15, 16).message("p1", 0, 1, 20, 21).index();
        RunIndex.ClientInfo s1 = idx.clients.get("s1");
        assertThat(Owed.cleanConnectionOwing(s1, Owed.matching(s1, "h/p1/t"), idx.message("p1", 0))).isNull();
    }

    @Test
    void cleanConnectionOwing_subscribedAfterTheFirstSend_isNone() {
        RunIndex idx = new Histories().pub("p1", false, 1).sub("s1", true, "h/#@1")
                .connect("p1", 1, "f1", 0, false).connect("s1", 1, "f2", 0, false)
                .message("p1", 0, 1, 20, 21).suback("s1", 1, "h/#", 1, 25).alive("s1", 1, 30, 31).index();
        RunIndex.ClientInfo s1 = idx.clients.get("s1");
        assertThat(Owed.cleanConnectionOwing(s1, Owed.matching(s1, "h/p1/t"), idx.message("p1", 0))).isNull();
    }
}
