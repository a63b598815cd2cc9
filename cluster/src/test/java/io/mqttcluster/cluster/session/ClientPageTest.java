package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.util.ProcessorEntry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client search's page: bounded per partition, combined the same way, filters and cursor applied. */
class ClientPageTest {

    private static SessionRecord connected(String id, String node, String user, long expiry) {
        return SessionRecord.claim(null, id, new ClaimRequest(node, true, expiry, null, 0, 4, 1_000, 1, user, null, 0), null);
    }

    private static Map.Entry<String, SessionRecord> entry(SessionRecord r) {
        return new ProcessorEntry<>(r.clientId(), r);
    }

    @Test
    void accumulate_manySessions_keepsOnlyTheSmallestLimitPlusOneAfterTheCursor() {
        ClientPage page = new ClientPage(new ClientQuery(null, null, null, null, "c-005", 3));
        for (int i = 99; i >= 0; i--) {
            page.accumulate(entry(connected(String.format("c-%03d", i), "n1", null, 0)));
        }
        assertThat(page.aggregate()).extracting(SessionView::clientId).containsExactly("c-006", "c-007", "c-008", "c-009");
    }

    @Test
    void combine_pagesOfTwoMembers_isThePageOfAllTheirSessions() {
        ClientQuery q = new ClientQuery("c-", null, null, null, null, 4);
        ClientPage left = new ClientPage(q);
        ClientPage right = new ClientPage(q);
        ClientPage all = new ClientPage(q);
        for (int i = 0; i < 40; i++) {
            SessionRecord r = connected(String.format("c-%03d", (i * 7) % 40), "n1", null, 0);
            (i % 2 == 0 ? left : right).accumulate(entry(r));
            all.accumulate(entry(r));
        }
        left.combine(right);
        assertThat(left.aggregate()).extracting(SessionView::clientId)
                .containsExactlyElementsOf(all.aggregate().stream().map(SessionView::clientId).toList())
                .containsExactly("c-000", "c-001", "c-002", "c-003", "c-004");
    }

    @Test
    void matches_filtersByPrefixUserNodeAndState() {
        SessionRecord bobOnN1 = connected("truck-1", "n1", "bob", 60);
        SessionRecord offline = connected("truck-2", "n2", "eve", 60);
        offline.release(false, 2_000, new ReleaseResult());
        assertThat(new ClientQuery("truck-", "bob", "n1", ClientQuery.State.CONNECTED, null, 1).matches("truck-1", bobOnN1)).isTrue();
        assertThat(new ClientQuery("car-", null, null, null, null, 1).matches("truck-1", bobOnN1)).isFalse();
        assertThat(new ClientQuery(null, "eve", null, null, null, 1).matches("truck-1", bobOnN1)).isFalse();
        assertThat(new ClientQuery(null, null, "n2", null, null, 1).matches("truck-1", bobOnN1)).isFalse();
        assertThat(new ClientQuery(null, null, null, ClientQuery.State.OFFLINE, null, 1).matches("truck-1", bobOnN1)).isFalse();
        assertThat(new ClientQuery(null, null, null, ClientQuery.State.OFFLINE, null, 1).matches("truck-2", offline)).isTrue();
        assertThat(new ClientQuery(null, null, null, ClientQuery.State.CONNECTED, null, 1).matches("truck-2", offline)).isFalse();
        assertThat(new ClientQuery(null, null, null, null, "truck-1", 1).matches("truck-1", bobOnN1)).as("cursor excludes itself").isFalse();
    }

    @Test
    void findClients_inMemory_walksAllPagesOnceInOrder() {
        InMemorySessionStore store = new InMemorySessionStore();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1234; i++) {
            String id = "id-" + Integer.toString(i * 7919 % 100_000, 36);
            ids.add(id);
            store.claim(id, new ClaimRequest("n1", true, 3600, null, 0, 4, 1_000, i));
        }
        List<String> seen = new ArrayList<>();
        String after = null;
        do {
            List<SessionView> page = store.findClients(new ClientQuery(null, null, null, null, after, 100));
            page.stream().limit(100).forEach(v -> seen.add(v.clientId()));
            after = page.size() > 100 ? page.get(99).clientId() : null;
        } while (after != null);
        assertThat(seen).containsExactlyElementsOf(ids.stream().sorted().toList());
    }

    @Test
    void query_limitBelowOne_isRefused() {
        assertThatThrownBy(() -> new ClientQuery(null, null, null, null, null, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
