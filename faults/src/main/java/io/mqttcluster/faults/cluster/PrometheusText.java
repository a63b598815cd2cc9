package io.mqttcluster.faults.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads values out of a Prometheus text exposition ({@code name{labels} value} lines). */
public final class PrometheusText {

    private PrometheusText() {
    }

    /** label value -> sample value for every sample of {@code metric}, keyed by the value of label {@code label}. */
    public static Map<String, Double> byLabel(String text, String metric, String label) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (text == null) {
            return out;
        }
        for (String line : text.split("\n")) {
            if (!line.startsWith(metric + "{")) {
                continue;
            }
            int close = line.lastIndexOf('}');
            String labels = line.substring(metric.length() + 1, close);
            String key = "";
            int at = labels.indexOf(label + "=\"");
            if (at >= 0) {
                int from = at + label.length() + 2;
                key = labels.substring(from, labels.indexOf('"', from));
            }
            out.put(key, Double.parseDouble(line.substring(close + 1).trim()));
        }
        return out;
    }

    /** The value of an unlabelled (or single-series) metric, or NaN. */
    public static double value(String text, String metric) {
        if (text == null) {
            return Double.NaN;
        }
        for (String line : text.split("\n")) {
            if (line.startsWith(metric + "{") || line.startsWith(metric + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
            }
        }
        return Double.NaN;
    }
}
