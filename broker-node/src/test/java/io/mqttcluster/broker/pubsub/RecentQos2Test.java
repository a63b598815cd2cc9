package io.mqttcluster.broker.pubsub;

import io.mqttcluster.cluster.message.Message;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecentQos2Test {

    private static Message msg(long id) {
        return new Message(9, id, "t", new byte[0], 2, false, "pub", 0, null);
    }

    @Test
    void aSecondCopyOfAMessage_isRecognised_forTheDirectSubscribersAndPerSharedMember() {
        RecentQos2 recent = new RecentQos2();
        assertThat(recent.firstTime(msg(1), null)).isTrue();
        assertThat(recent.firstTime(msg(1), null)).as("the same message again, to the direct subscribers").isFalse();
        assertThat(recent.firstTime(msg(1), "member-a")).as("to a shared member: its own entry").isTrue();
        assertThat(recent.firstTime(msg(1), "member-a")).isFalse();
        assertThat(recent.firstTime(msg(1), "member-b")).as("handed on to another member after the first left").isTrue();
        assertThat(recent.firstTime(msg(2), null)).isTrue();
    }

    @Test
    void itIsBounded_theOldestIdsAreForgotten() {
        RecentQos2 recent = new RecentQos2();
        for (int i = 0; i <= RecentQos2.CAPACITY; i++) {
            recent.firstTime(msg(i), null);
        }
        assertThat(recent.firstTime(msg(0), null)).as("forgotten: beyond the capacity a late copy may come twice").isTrue();
        assertThat(recent.firstTime(msg(RecentQos2.CAPACITY), null)).isFalse();
    }
}
