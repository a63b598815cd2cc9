package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FreshReceiptsTest {

    @Test
    void of_keepsFreshReceiptsByMessageKey_andLeavesRepeatsOut() {
        RunIndex idx = Histories.persistentPair()
                .recv("s1", 1, 1, "p1", 0, 2, 1, false, true, 20)
                .recv("s1", 1, 1, "p1", 0, 2, 1, true, false, 21)  // a repeat awaiting PUBREL: not handed over again
                .recv("s1", 1, 1, "p1", 1, 2, 2, false, true, 22)
                .recv("s1", 1, 1, "p1", 1, 2, 3, false, true, 23).index();
        FreshReceipts fresh = new FreshReceipts(idx);
        assertThat(fresh.of("s1")).containsOnlyKeys("p1#0", "p1#1");
        assertThat(fresh.of("s1").get("p1#0")).hasSize(1);
        assertThat(fresh.of("s1").get("p1#1")).extracting(Event.Received::pid).containsExactly(2, 3);
    }

    @Test
    void of_subscriberWithoutReceipts_isEmpty() {
        assertThat(new FreshReceipts(Histories.persistentPair().index()).of("s1")).isEmpty();
    }

    @Test
    void deliveredAnywhere_onlyForFreshReceipts() {
        FreshReceipts fresh = new FreshReceipts(Histories.persistentPair()
                .recv("s1", 1, 1, "p1", 0, 2, 1, false, true, 20)
                .recv("s1", 1, 1, "p1", 5, 2, 6, false, false, 21).index());
        assertThat(fresh.deliveredAnywhere("p1#0")).isTrue();
        assertThat(fresh.deliveredAnywhere("p1#5")).isFalse();
    }

    @Test
    void session_isTheEpochOfAPersistentSubscriber_andTheConnectionOfACleanOne() {
        RunIndex idx = new Histories().sub("persistent", false, "h/#@2").sub("clean", true, "h/#@2").index();
        Event.Received r = new Event.Received(0, "x", 3, 7, "p1", 0, 2, 1, false, true, false);
        assertThat(FreshReceipts.session(idx.clients.get("persistent"), r)).isEqualTo("e7");
        assertThat(FreshReceipts.session(idx.clients.get("clean"), r)).isEqualTo("c3");
    }
}
