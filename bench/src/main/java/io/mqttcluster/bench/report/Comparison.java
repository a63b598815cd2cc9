package io.mqttcluster.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Groups JSON results by case and target and prints the medians side by side with ratios to a baseline target, as
 * a markdown table (what {@code bench report} and scripts/bench-vs-mosquitto.sh print).
 */
public final class Comparison {

    /** A number to compare: where to find it in a result, how to fold repetitions, and which way is better. */
    private static final class Metric {
        final String label;
        final String path;
        final double scale;
        final boolean worst;
        final boolean higherIsBetter;

        Metric(String label, String path, double scale, boolean worst, boolean higherIsBetter) {
            this.label = label;
            this.path = path;
            this.scale = scale;
            this.worst = worst;
            this.higherIsBetter = higherIsBetter;
        }
    }

    private static final List<Metric> LOAD = List.of(
            new Metric("received msg/s", "received_per_second", 1, false, true),
            new Metric("latency p50 ms", "latency_ms.p50", 1, false, false),
            new Metric("latency p99 ms", "latency_ms.p99", 1, false, false),
            new Metric("lost (worst run)", "lost", 1, true, false),
            new Metric("duplicated (worst run)", "duplicated", 1, true, false));
    private static final List<Metric> CONN = List.of(
            new Metric("broker KiB per connection", "extra.rss_per_connection_bytes", 1.0 / 1024, false, false),
            new Metric("connects/s", "extra.connect_rate_per_second", 1, false, true),
            new Metric("connections held (worst run)", "extra.connections_held", 1, true, true),
            new Metric("CONNACK p99 ms", "connections.connack_ms.p99", 1, false, false));
    private static final List<Metric> STORM = List.of(
            new Metric("all back after s", "extra.all_back_seconds_max", 1, false, false),
            new Metric("without session (worst run)", "extra.reconnects_without_session", 1, true, false),
            new Metric("lost (worst run)", "lost", 1, true, false),
            new Metric("duplicated (worst run)", "duplicated", 1, true, false));

    /** case -> target -> results. */
    private final Map<String, Map<String, List<Map<String, Object>>>> byCase = new LinkedHashMap<>();
    private final Set<String> targets = new LinkedHashSet<>();
    private Map<String, Object> firstMachine;

    public static Comparison load(List<Path> paths, String caseTag, String targetTag) throws IOException {
        Comparison c = new Comparison();
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> f.toString().endsWith(".json")).sorted().forEach(files::add);
                }
            } else {
                files.add(p);
            }
        }
        for (Path f : files) {
            Object doc;
            try {
                doc = Json.parse(Files.readString(f, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (!(doc instanceof Map) || !"mqtt-cluster-bench".equals(((Map<?, ?>) doc).get("tool"))) {
                continue;
            }
            c.add(castMap(doc), caseTag, targetTag);
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }

    public void add(Map<String, Object> result, String caseTag, String targetTag) {
        Object tagCase = Json.path(result, "tags." + caseTag);
        Object tagTarget = Json.path(result, "tags." + targetTag);
        String kase = tagCase != null ? tagCase.toString() : String.valueOf(result.get("scenario"));
        String target = tagTarget != null ? tagTarget.toString() : "default";
        targets.add(target);
        byCase.computeIfAbsent(kase, k -> new LinkedHashMap<>()).computeIfAbsent(target, k -> new ArrayList<>()).add(result);
        if (firstMachine == null && result.get("machine") instanceof Map) {
            firstMachine = castMap(result.get("machine"));
        }
    }

    public boolean isEmpty() {
        return byCase.isEmpty();
    }

    /** The markdown table; columns: each target (baseline first), then each other target's ratio to the baseline. */
    public String markdown(String baseline) {
        List<String> cols = new ArrayList<>();
        if (targets.contains(baseline)) {
            cols.add(baseline);
        }
        for (String t : targets) {
            if (!t.equals(baseline)) {
                cols.add(t);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("| case | metric |");
        for (String t : cols) {
            sb.append(' ').append(t).append(" |");
        }
        boolean ratios = cols.size() > 1 && cols.get(0).equals(baseline);
        if (ratios) {
            for (String t : cols.subList(1, cols.size())) {
                sb.append(' ').append(t).append(" / ").append(baseline).append(" |");
            }
        }
        sb.append('\n').append("|---|---|");
        for (int i = 0; i < cols.size() + (ratios ? cols.size() - 1 : 0); i++) {
            sb.append("---:|");
        }
        sb.append('\n');
        for (Map.Entry<String, Map<String, List<Map<String, Object>>>> e : byCase.entrySet()) {
            String scenario = firstScenario(e.getValue());
            List<Metric> metrics = "conn".equals(scenario) ? CONN : "reconnect-storm".equals(scenario) ? STORM : LOAD;
            for (Metric m : metrics) {
                sb.append("| ").append(e.getKey()).append(" | ").append(m.label).append(" |");
                List<Double> values = new ArrayList<>();
                for (String t : cols) {
                    List<Map<String, Object>> runs = e.getValue().getOrDefault(t, List.of());
                    Double v = fold(runs, m);
                    values.add(v);
                    sb.append(' ').append(v == null ? "n/a" : m.worst ? String.format(Locale.ROOT, "%,.0f", v) : number(v)).append(runs.size() > 1 && v != null && !m.worst
                            ? " (n=" + runs.size() + ")" : "").append(" |");
                }
                if (ratios) {
                    Double base = values.get(0);
                    for (int i = 1; i < cols.size(); i++) {
                        Double v = values.get(i);
                        String ratio = base == null || v == null || base == 0 ? (v != null && base != null && v == 0 ? "=" : "n/a")
                                : String.format(Locale.ROOT, "%.2f", v / base);
                        sb.append(' ').append(ratio).append(" |");
                    }
                }
                sb.append('\n');
            }
        }
        if (firstMachine != null && firstMachine.get("nproc") != null) {
            Object nproc = firstMachine.get("nproc");
            sb.append('\n').append("Machine: ").append(nproc instanceof Number ? Long.toString(((Number) nproc).longValue()) : nproc)
                    .append(" cores, ")
                    .append(firstMachine.get("java")).append(", ").append(firstMachine.get("os")).append('\n');
        }
        return sb.toString();
    }

    private static String firstScenario(Map<String, List<Map<String, Object>>> targets) {
        for (List<Map<String, Object>> runs : targets.values()) {
            if (!runs.isEmpty()) {
                return String.valueOf(runs.get(0).get("scenario"));
            }
        }
        return "";
    }

    private static Double fold(List<Map<String, Object>> runs, Metric m) {
        List<Double> vs = new ArrayList<>();
        for (Map<String, Object> r : runs) {
            Object v = Json.path(r, m.path);
            if (v instanceof Number && r.get("error") == null) {
                vs.add(((Number) v).doubleValue() * m.scale);
            } else if (v instanceof Number && m.worst) {
                vs.add(((Number) v).doubleValue() * m.scale);
            }
        }
        if (vs.isEmpty()) {
            return null;
        }
        Collections.sort(vs);
        if (m.worst) {
            return m.higherIsBetter ? vs.get(0) : vs.get(vs.size() - 1);
        }
        int n = vs.size();
        return n % 2 == 1 ? vs.get(n / 2) : (vs.get(n / 2 - 1) + vs.get(n / 2)) / 2;
    }

    private static String number(double v) {
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
