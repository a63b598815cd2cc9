package io.mqttcluster.cluster.topic;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class TopicTreeTest {

    private static List<String> match(TopicTree<String> tree, String topic) {
        List<String> out = new ArrayList<>();
        tree.match(topic, out::add);
        return out;
    }

    @Test
    void match_mixedWildcards_findsExactlyTheMatchingFilters() {
        TopicTree<String> tree = new TopicTree<>();
        for (String f : List.of("a/b/c", "a/+/c", "a/#", "+/b/#", "#", "a/b", "a/b/c/d", "b/#", "+")) {
            tree.add(f, f);
        }
        assertThat(match(tree, "a/b/c")).containsExactlyInAnyOrder("a/b/c", "a/+/c", "a/#", "+/b/#", "#");
        assertThat(match(tree, "a")).containsExactlyInAnyOrder("a/#", "#", "+");
        assertThat(match(tree, "a/b")).containsExactlyInAnyOrder("a/b", "a/#", "+/b/#", "#");
    }

    @Test
    void match_dollarTopic_skipsLeadingWildcards() {
        TopicTree<String> tree = new TopicTree<>();
        tree.add("#", "#");
        tree.add("+/x", "+/x");
        tree.add("$SYS/#", "$SYS/#");
        assertThat(match(tree, "$SYS/x")).containsExactly("$SYS/#");
    }

    @Test
    void addAndRemove_keepCountsAndPruneEmptyBranches() {
        TopicTree<String> tree = new TopicTree<>();
        assertThat(tree.add("a/b", "s1")).isTrue();
        assertThat(tree.add("a/b", "s1")).isFalse();
        assertThat(tree.add("a/b", "s2")).isTrue();
        assertThat(tree.size()).isEqualTo(2);
        assertThat(tree.remove("a/b", "s1")).isTrue();
        assertThat(tree.remove("a/b", "s1")).isFalse();
        assertThat(tree.hasValues("a/b")).isTrue();
        assertThat(tree.remove("a/b", "s2")).isTrue();
        assertThat(tree.hasValues("a/b")).isFalse();
        assertThat(tree.size()).isZero();
        assertThat(match(tree, "a/b")).isEmpty();
    }

    @Test
    void match_agreesWithTopicsMatches_onRandomFiltersAndTopics() {
        Random random = new Random(42);
        String[] words = {"a", "b", "c", "", "$SYS"};
        List<String> filters = new ArrayList<>();
        TopicTree<String> tree = new TopicTree<>();
        for (int i = 0; i < 400; i++) {
            StringBuilder f = new StringBuilder();
            int levels = 1 + random.nextInt(4);
            for (int l = 0; l < levels; l++) {
                if (l > 0) {
                    f.append('/');
                }
                int r = random.nextInt(10);
                if (r < 2) {
                    f.append('+');
                } else if (r == 2 && l == levels - 1) {
                    f.append('#');
                } else {
                    f.append(words[random.nextInt(words.length)]);
                }
            }
            if (Topics.checkFilter(f.toString(), TopicLimits.SPEC) == null) {
                filters.add(f.toString());
                tree.add(f.toString(), f.toString());
            }
        }
        for (int i = 0; i < 2000; i++) {
            StringBuilder t = new StringBuilder();
            int levels = 1 + random.nextInt(5);
            for (int l = 0; l < levels; l++) {
                if (l > 0) {
                    t.append('/');
                }
                t.append(words[random.nextInt(words.length)]);
            }
            String topic = t.toString();
            List<String> expected = filters.stream().filter(f -> Topics.matches(f, topic)).distinct().toList();
            assertThat(match(tree, topic)).as("topic %s", topic).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void match_whileAnotherThreadAddsAndRemoves_neverFailsAndEndsConsistent() throws Exception {
        TopicTree<Integer> tree = new TopicTree<>();
        tree.add("stable/#", -1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> writer = pool.submit(() -> {
                for (int i = 0; i < 20_000; i++) {
                    tree.add("x/" + (i % 50) + "/y", i);
                    tree.remove("x/" + (i % 50) + "/y", i);
                }
            });
            Future<?> reader = pool.submit(() -> {
                for (int i = 0; i < 20_000; i++) {
                    List<Integer> found = new ArrayList<>();
                    tree.match("stable/" + i, found::add);
                    assertThat(found).containsExactly(-1);
                }
            });
            writer.get(30, TimeUnit.SECONDS);
            reader.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(tree.size()).isEqualTo(1);
    }
}
