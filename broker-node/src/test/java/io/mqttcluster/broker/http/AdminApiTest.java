package io.mqttcluster.broker.http;

import io.mqttcluster.broker.testing.OpenApiDoc;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin API's routes against docs/openapi.yaml, and the parameter checks every list call shares. */
class AdminApiTest {

    @Test
    void routes_areExactlyTheDocumentedOperations() throws Exception {
        AdminApi api = new AdminApi(null, null, null, null, null);
        assertThat(api.routes()).containsExactlyInAnyOrderElementsOf(OpenApiDoc.load().operations());
    }

    @Test
    void pageParams_defaultsAndBounds() {
        assertThat(PageParams.of(MultiMap.caseInsensitiveMultiMap())).isEqualTo(new PageParams(100, null));
        assertThat(PageParams.of(MultiMap.caseInsensitiveMultiMap().add("limit", "1000").add("after", "x"))).isEqualTo(new PageParams(1000, "x"));
        assertThat(PageParams.of(MultiMap.caseInsensitiveMultiMap().add("limit", "1").add("after", ""))).isEqualTo(new PageParams(1, null));
        for (String bad : new String[]{"0", "1001", "-5", "ten", "1.5", ""}) {
            if (bad.isEmpty()) {
                continue; // an empty parameter is an absent one
            }
            assertThatThrownBy(() -> PageParams.of(MultiMap.caseInsensitiveMultiMap().add("limit", bad)))
                    .isInstanceOf(ApiError.class).hasMessageContaining("limit")
                    .satisfies(e -> assertThat(((ApiError) e).status()).isEqualTo(400));
        }
        assertThatThrownBy(() -> PageParams.of(MultiMap.caseInsensitiveMultiMap().add("after", "a").add("after", "b")))
                .isInstanceOf(ApiError.class).hasMessageContaining("2 times");
    }

    @Test
    void decodeSegment_keepsPlusAndDecodesSlashes_refusesBrokenEscapes() {
        assertThat(PageParams.decodeSegment("truck-4711")).isEqualTo("truck-4711");
        assertThat(PageParams.decodeSegment("a%2Fb+c%20d")).isEqualTo("a/b+c d");
        assertThat(PageParams.decodeSegment("%C3%A9t%C3%A9")).isEqualTo("été");
        assertThatThrownBy(() -> PageParams.decodeSegment("bad%2")).isInstanceOf(ApiError.class);
        assertThatThrownBy(() -> PageParams.decodeSegment("bad%zz")).isInstanceOf(ApiError.class);
        assertThatThrownBy(() -> PageParams.decodeSegment("%FF")).isInstanceOf(ApiError.class);
    }

    @Test
    void clientsQuery_checksStateAndNode() {
        var names = java.util.Map.of("id-1", "p1");
        var q = ClientsQuery.parse(MultiMap.caseInsensitiveMultiMap().add("node", "p1").add("state", "offline")
                .add("prefix", "truck-").add("limit", "5"), names);
        assertThat(q.owner()).isEqualTo("id-1");
        assertThat(q.state()).isEqualTo(io.mqttcluster.cluster.session.ClientQuery.State.OFFLINE);
        assertThat(q.prefix()).isEqualTo("truck-");
        assertThat(q.limit()).isEqualTo(5);
        assertThatThrownBy(() -> ClientsQuery.parse(MultiMap.caseInsensitiveMultiMap().add("node", "p9"), names))
                .isInstanceOf(ApiError.class).hasMessageContaining("p9");
        assertThatThrownBy(() -> ClientsQuery.parse(MultiMap.caseInsensitiveMultiMap().add("state", "sleeping"), names))
                .isInstanceOf(ApiError.class).hasMessageContaining("connected or offline");
    }

    @Test
    void subscriptionPage_keepsTheSmallestKeysAfterTheCursor_andPrefersANodesEntry() {
        SubscriptionPage page = new SubscriptionPage(SubscriptionPage.key("a/b", "c2"), 3);
        var o = io.mqttcluster.cluster.session.SubOptions.ofQos(1);
        for (String id : new String[]{"c9", "c1", "c3", "c2", "c5", "c4"}) {
            page.offer("a/b", id, o, null);
        }
        page.offer("a/b", "c3", o, "p2");
        page.offer("a/b", "c4", o, null);
        assertThat(page.items().values()).extracting(j -> j.getString("clientId")).containsExactly("c3", "c4", "c5");
        assertThat(page.items().firstEntry().getValue().getString("node")).isEqualTo("p2");
        assertThat(SubscriptionPage.item("$share/g1/a/+", "c", o, null).getString("shareGroup")).isEqualTo("g1");
        assertThat(SubscriptionsApi.decodeCursor(SubscriptionsApi.encodeCursor("a/b\0c1"))).isEqualTo("a/b\0c1");
    }

    @Test
    void retainedPreview_isTextWhenUtf8_withACutCharacterLeftOut() {
        assertThat(RetainedApi.utf8Preview("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8), false)).isEqualTo("hello");
        byte[] cut = {'a', (byte) 0xC3};
        assertThat(RetainedApi.utf8Preview(cut, true)).isEqualTo("a");
        assertThat(RetainedApi.utf8Preview(cut, false)).isNull();
        assertThat(RetainedApi.utf8Preview(new byte[]{(byte) 0xFF, 0}, false)).isNull();
    }
}
