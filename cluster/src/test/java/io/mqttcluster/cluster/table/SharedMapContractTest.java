package io.mqttcluster.cluster.table;

import io.mqttcluster.cluster.ClusterNode;
import io.mqttcluster.cluster.TestMembers;
import io.mqttcluster.cluster.route.RouteTable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The in-memory twin does what the Hazelcast map does, for every operation the mirrored tables use: the protocol
 * tests that run on the twin are only worth what this equivalence is. Each case runs on both, with the same
 * entry processors and predicates.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedMapContractTest {

    private static List<ClusterNode> members;

    @BeforeAll
    static void start() throws Exception {
        members = TestMembers.start("contract");
    }

    @AfterAll
    static void stop() {
        TestMembers.close(members);
    }

    record Impl(String name, Supplier<SharedMap<String>> make) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Impl> maps() {
        return Stream.of(new Impl("hazelcast", () -> new HazelcastSharedMap<>(members.get(0).map("contract-" + UUID.randomUUID()))),
                new Impl("in-memory", InMemorySharedMap::new));
    }

    /** Sets a value unless it is "drop", which removes the entry; returns the value seen before. */
    static final class SetOrDrop implements com.hazelcast.map.EntryProcessor<String, String, String> {
        private final String value;

        SetOrDrop(String value) {
            this.value = value;
        }

        @Override
        public String process(Map.Entry<String, String> entry) {
            String before = entry.getValue();
            entry.setValue("drop".equals(value) ? null : value);
            return before;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void writes_processors_conditionalChanges_andPredicates_actTheSame_andEveryChangeIsTold(Impl impl) throws Exception {
        SharedMap<String> map = impl.make().get();
        Map<String, String> told = new HashMap<>();
        List<String> removed = new ArrayList<>();
        Object registration = map.listen((k, v) -> {
            synchronized (told) {
                if (v == null) {
                    told.remove(k);
                    removed.add(k);
                } else {
                    told.put(k, v);
                }
            }
        });

        map.setAsync("a", "1").toCompletableFuture().get(10, TimeUnit.SECONDS);
        map.setAsync("b", "2").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(map.get("a")).isEqualTo("1");
        assertThat(map.submit("a", new SetOrDrop("11")).toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo("1");
        assertThat(map.execute("c", new SetOrDrop("3"))).isNull();
        assertThat(map.execute("b", new SetOrDrop("drop"))).isEqualTo("2");
        assertThat(map.get("b")).isNull();

        assertThat(map.replace("a", "1", "x")).as("stale expected value").isFalse();
        assertThat(map.replace("a", "11", "12")).isTrue();
        assertThat(map.remove("c", "4")).isFalse();
        assertThat(map.remove("c", "3")).isTrue();
        assertThat(map.removeAsync("missing").toCompletableFuture().get(10, TimeUnit.SECONDS)).isNull();

        Map<String, String> all = new HashMap<>();
        map.entries().forEach(e -> all.put(e.getKey(), e.getValue()));
        assertThat(all).containsExactlyInAnyOrderEntriesOf(Map.of("a", "12"));
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            synchronized (told) {
                assertThat(told).isEqualTo(Map.of("a", "12"));
                assertThat(removed).containsExactlyInAnyOrder("b", "c");
            }
        });

        map.unlisten(registration);
        map.setAsync("after", "1").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(map.get("after")).isEqualTo("1");
        synchronized (told) {
            assertThat(told).doesNotContainKey("after");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void aRouteTableOnIt_forgetsTheRoutesOfDeadNodes_byThePredicate(Impl impl) throws Exception {
        SharedMap<Boolean> map = impl.name().equals("hazelcast")
                ? new HazelcastSharedMap<>(members.get(0).map("routes-" + UUID.randomUUID()))
                : new InMemorySharedMap<>();
        RouteTable routes = new RouteTable(map);
        routes.start();
        try {
            routes.add("a/+", "n1").toCompletableFuture().get(10, TimeUnit.SECONDS);
            routes.add("a/+", "n2").toCompletableFuture().get(10, TimeUnit.SECONDS);
            routes.add("b/#", "n2").toCompletableFuture().get(10, TimeUnit.SECONDS);
            routes.purgeDeadNodes(Set.of("n1"));
            await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
                assertThat(routes.filtersOf("n1")).containsExactly("a/+");
                assertThat(routes.filtersOf("n2")).isEmpty();
                assertThat(routes.nodes()).containsExactly("n1");
            });
        } finally {
            routes.stop();
        }
    }
}
