package io.mqttcluster.cluster.route;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which member of a shared group gets a message, with members online and offline (their node died). */
class SharedGroupPickTest {

    private static SharedGroups.Group group(SharedGroups.Member... members) {
        SharedGroups.Group g = new SharedGroups.Group("$share/g/t", "t");
        g.members = List.of(members);
        return g;
    }

    private static final SharedGroups.Member ONLINE = new SharedGroups.Member("on", "n1", 1, false);
    private static final SharedGroups.Member OFFLINE_PERSISTENT = new SharedGroups.Member("off", SharedGroups.OFFLINE, 2, true);
    private static final SharedGroups.Member OFFLINE_QOS0 = new SharedGroups.Member("off0", SharedGroups.OFFLINE, 0, true);

    @Test
    void anOnlineMemberIsPreferred_forEveryStrategyAndForQos2ById() {
        SharedGroups.Group g = group(OFFLINE_PERSISTENT, ONLINE);
        for (String strategy : List.of("round_robin", "random", "hash_clientid", "local_first")) {
            for (int i = 0; i < 10; i++) {
                assertThat(g.pick(strategy, "pub", "n1", null, true)).isEqualTo(ONLINE);
            }
        }
        for (long id = 0; id < 50; id++) {
            assertThat(g.pickFor(7, id)).isEqualTo(ONLINE);
        }
    }

    @Test
    void withNoMemberOnline_aStoredCopyGoesToAnOfflinePersistentMember_neverAQos0Message() {
        SharedGroups.Group g = group(OFFLINE_PERSISTENT, OFFLINE_QOS0);
        assertThat(g.pick("round_robin", "pub", "n1", null, true)).isEqualTo(OFFLINE_PERSISTENT);
        assertThat(g.pickFor(7, 3)).isEqualTo(OFFLINE_PERSISTENT);
        assertThat(g.pick("round_robin", "pub", "n1", null, false)).as("QoS 0: nobody to take it").isNull();
        assertThat(g.pick("round_robin", "pub", "n1", "off", true)).as("not the member it came back from").isNull();
    }

    @Test
    void aMemberThatLeftWithItsMessageIsNotPickedAgain() {
        SharedGroups.Group g = group(ONLINE, OFFLINE_PERSISTENT);
        assertThat(g.pick("round_robin", "pub", "n1", "on", true)).isEqualTo(OFFLINE_PERSISTENT);
        assertThat(g.pick("round_robin", "pub", "n1", "on", false)).isNull();
    }
}
