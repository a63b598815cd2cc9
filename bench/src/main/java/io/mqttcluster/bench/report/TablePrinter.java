package io.mqttcluster.bench.report;

import io.mqttcluster.bench.measure.Receiver;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** Prints a {@link RunResult} as the final table. */
public final class TablePrinter {
    private static final int MAX_STREAM_LINES = 10;

    private TablePrinter() {
    }

    public static void print(RunResult r, PrintStream out) {
        StringBuilder head = new StringBuilder();
        head.append("== ").append(r.scenario);
        for (Map.Entry<String, Object> e : r.settings.entrySet()) {
            if (e.getKey().endsWith("_hosts")) {
                continue;
            }
            head.append("  ").append(e.getKey()).append('=').append(format(e.getValue()));
        }
        out.println(head);
        out.println("   pub_hosts=" + r.settings.get("pub_hosts") + "  sub_hosts=" + r.settings.get("sub_hosts")
                + "  machine: " + r.machine.get("nproc") + " cores, " + r.machine.get("java"));
        if (r.error != null) {
            out.println("   ERROR: " + r.error);
        }
        out.printf(Locale.ROOT, "   measured %.1f s (warm-up %.1f s excluded)%n", r.measuredSeconds, r.warmupSeconds);
        boolean messages = !"conn".equals(r.scenario);
        String line = "+--------------+----------------+----------------+";
        if (messages) {
            out.println(line);
            out.printf(Locale.ROOT, "| %-12s | %14s | %14s |%n", "messages", "total", "per second");
            out.println(line);
            out.printf(Locale.ROOT, "| %-12s | %,14d | %,14.0f |%n", "sent", r.sent, r.sentPerSecond);
            out.printf(Locale.ROOT, "| %-12s | %,14d | %,14.0f |%n", "received", r.received, r.receivedPerSecond);
            out.println(line);
        }
        String lline = "+--------------+-----------+----------+----------+----------+----------+----------+----------+";
        out.println(lline);
        out.printf(Locale.ROOT, "| %-12s | %9s | %8s | %8s | %8s | %8s | %8s | %8s |%n",
                "latency ms", "count", "p50", "p90", "p99", "p99.9", "max", "mean");
        out.println(lline);
        if (messages) {
            latencyRow(out, "end-to-end", r.latency);
        }
        if (r.ackLatency.count > 0) {
            latencyRow(out, "pub->ack", r.ackLatency);
        }
        if (r.connectLatency.count > 0) {
            latencyRow(out, "connack", r.connectLatency);
        }
        out.println(lline);
        if (messages) {
            out.printf(Locale.ROOT, "lost %,d%s   duplicated %,d   out-of-order %,d   unacked %,d   foreign %,d   rejected %,d   resent %,d   protocol errors %,d%n",
                    r.lost, r.lostUnacked > 0 ? String.format(Locale.ROOT, " (%,d never acknowledged to the publisher)", r.lostUnacked) : "",
                    r.duplicated, r.outOfOrder, r.unacked, r.foreign, r.rejected, r.resent, r.protocolErrors);
        }
        out.printf(Locale.ROOT, "connections: %,d clients, %,d connects, %,d failed attempts, %,d lost, %,d subscribe failures%n",
                r.clients, r.connected, r.connectFailures, r.connectionsLost, r.subscribeFailures);
        if (r.windowCapacity > 0) {
            out.printf(Locale.ROOT, "window: capacity %,d deliveries, max outstanding %,d, stalls %,d%n",
                    r.windowCapacity, r.windowMaxOutstanding, r.windowStalls);
        }
        if (r.rateSkipped > 0) {
            out.printf(Locale.ROOT, "rate: %,d sends skipped because the publishers fell behind the schedule%n", r.rateSkipped);
        }
        if (!Double.isNaN(r.toolBusiestLoopPercent)) {
            out.printf(Locale.ROOT, "tool: process CPU %.0f%% of one core, busiest event loop %.0f%%%s%n", r.toolCpuPercent,
                    r.toolBusiestLoopPercent, r.toolBusiestLoopPercent > 90
                            ? "  WARNING: the tool's event loop was nearly saturated and may have limited the rate (try --threads 2)" : "");
        }
        if (!r.problemStreams.isEmpty()) {
            out.printf(Locale.ROOT, "streams with loss, duplicates or reordering: %,d of %,d%n", r.problemStreams.size(), r.streamsTotal);
            int n = 0;
            for (Receiver.StreamResult s : r.problemStreams) {
                if (n++ == MAX_STREAM_LINES) {
                    out.println("  ... (all of them in the JSON output)");
                    break;
                }
                out.printf(Locale.ROOT, "  receiver %-28s publisher %5d: expected %,d received %,d lost %,d duplicated %,d out-of-order %,d%n",
                        s.receiver, s.publisher, s.expected, s.received, s.lost, s.duplicates, s.outOfOrder);
            }
        }
        for (Map.Entry<String, Object> e : r.extra.entrySet()) {
            if (e.getValue() instanceof java.util.List) {
                out.println(e.getKey() + ":");
                for (Object item : (java.util.List<?>) e.getValue()) {
                    out.println("  " + format(item));
                }
            } else {
                out.println(e.getKey() + ": " + format(e.getValue()));
            }
        }
        out.flush();
    }

    private static void latencyRow(PrintStream out, String name, LatencySummary l) {
        out.printf(Locale.ROOT, "| %-12s | %,9d | %8.3f | %8.3f | %8.3f | %8.3f | %8.3f | %8.3f |%n",
                name, l.count, l.p50, l.p90, l.p99, l.p999, l.max, l.mean);
    }

    static String format(Object v) {
        if (v instanceof Map) {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (sb.length() > 0) {
                    sb.append("  ");
                }
                sb.append(e.getKey()).append('=').append(format(e.getValue()));
            }
            return sb.toString();
        }
        if (v instanceof Double) {
            double d = (Double) v;
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return Long.toString((long) d);
            }
            return String.format(Locale.ROOT, "%.3f", d);
        }
        return String.valueOf(v);
    }
}
