package io.mqttcluster.bench.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ComparisonTest {

    private static Map<String, Object> result(String kase, String target, double rate, double p99, long lost) {
        RunResult r = new RunResult();
        r.scenario = "fanin";
        r.tags.put("case", kase);
        r.tags.put("target", target);
        r.receivedPerSecond = rate;
        r.lost = lost;
        Map<String, Object> m = r.toJson();
        @SuppressWarnings("unchecked")
        Map<String, Object> latency = (Map<String, Object>) m.get("latency_ms");
        latency.put("p99", p99);
        return m;
    }

    @Test
    void json_roundTrips() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a \"quoted\"\n\\ text ä");
        m.put("n", 12345.678);
        m.put("i", 42L);
        m.put("b", true);
        m.put("z", null);
        m.put("l", List.of(1, 2.5, "x"));
        Object back = Json.parse(Json.write(m));
        assertThat(back).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> b = (Map<String, Object>) back;
        assertThat(b.get("s")).isEqualTo("a \"quoted\"\n\\ text ä");
        assertThat(b.get("n")).isEqualTo(12345.7);
        assertThat(b.get("i")).isEqualTo(42.0);
        assertThat(b.get("b")).isEqualTo(true);
        assertThat(b).containsEntry("z", null);
        assertThat(b.get("l")).isEqualTo(List.of(1.0, 2.5, "x"));
    }

    @Test
    void medians_andRatios_perCaseAndTarget(@TempDir Path dir) throws Exception {
        double[][] runs = {{100, 1.0}, {300, 3.0}, {200, 2.0}};
        int i = 0;
        for (double[] run : runs) {
            Files.writeString(dir.resolve("m" + i + ".json"), Json.write(result("fanin-q0", "mosquitto", run[0], run[1], 0)));
            Files.writeString(dir.resolve("o" + i + ".json"), Json.write(result("fanin-q0", "ours", run[0] / 2, run[1] * 2, i)));
            i++;
        }
        Files.writeString(dir.resolve("other.json"), "{\"not\": \"ours\"}");

        String md = Comparison.load(List.of(dir), "case", "target").markdown("mosquitto");

        assertThat(md).contains("| case | metric | mosquitto | ours | ours / mosquitto |");
        assertThat(md).contains("| fanin-q0 | received msg/s | 200 (n=3) | 100 (n=3) | 0.50 |");
        assertThat(md).contains("| fanin-q0 | latency p99 ms | 2.00 (n=3) | 4.00 (n=3) | 2.00 |");
        assertThat(md).contains("| fanin-q0 | lost (worst run) | 0 | 2 | n/a |");
        assertThat(md).contains("| fanin-q0 | duplicated (worst run) | 0 | 0 | = |");
    }
}
