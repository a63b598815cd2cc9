package io.mqttcluster.bench.load;

import io.mqttcluster.bench.client.LoopContext;
import io.mqttcluster.bench.client.MqttClient;
import io.mqttcluster.bench.client.Transport;
import io.mqttcluster.bench.measure.LatencyAccumulator;
import io.mqttcluster.bench.measure.RunStats;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The once-a-second progress line of a run (rates since the last line, p99 so far, outstanding deliveries,
 * connections), and the window-stall report that the same tick checks for. Called only on the progress
 * reporter's thread.
 */
final class ProgressLine {
    private final Settings s;
    private final Plan plan;
    private final RunStats stats;
    private final LatencyAccumulator latency;
    private final Window window;
    private final Transport transport;
    private final List<Publisher> publishers;
    private final List<Subscriber> subscribers;
    private final Supplier<String> phase;
    private long lastSent;
    private long lastReceived;

    ProgressLine(Settings s, Plan plan, RunStats stats, LatencyAccumulator latency, Window window, Transport transport,
                 List<Publisher> publishers, List<Subscriber> subscribers, Supplier<String> phase) {
        this.s = s;
        this.plan = plan;
        this.stats = stats;
        this.latency = latency;
        this.window = window;
        this.transport = transport;
        this.publishers = publishers;
        this.subscribers = subscribers;
        this.phase = phase;
    }

    String line(long elapsedMillis) {
        if (window != null) {
            long outstandingBefore = window.outstanding();
            if (window.checkStall(System.nanoTime())) {
                reportStall(outstandingBefore);
            }
        }
        latency.poll();
        long sent = stats.sent.sum();
        long received = stats.received.sum();
        long ds = sent - lastSent;
        long dr = received - lastReceived;
        lastSent = sent;
        lastReceived = received;
        long clients = (long) publishers.size() + subscribers.size();
        String phase = this.phase.get();
        if ("connect".equals(phase)) {
            return String.format(Locale.ROOT, "[%5.1fs] %-8s connected %,d/%,d  failures %,d",
                    elapsedMillis / 1000.0, phase, stats.connectedNow.get(), Math.max(clients, plan.pubs.size() + plan.subs.size()),
                    stats.connectFailures.sum());
        }
        long outstanding = Math.max(0, stats.expectedDeliveries.sum() - stats.firstReceipts.sum());
        double p99 = latency.p99SoFarMillis();
        String p99Text = Double.isNaN(p99) ? "      -   " : String.format(Locale.ROOT, "%7.3f ms", p99);
        return String.format(Locale.ROOT, "[%5.1fs] %-8s sent %,9d/s  recv %,9d/s  p99 %s  outstanding %,d  conns %,d/%,d",
                elapsedMillis / 1000.0, phase, ds, dr, p99Text, outstanding, stats.connectedNow.get(), clients);
    }

    /**
     * A full window with no delivery for the stall timeout: says so, with the protocol state of the first clients,
     * so that a stuck broker can be told from a stuck tool.
     */
    private void reportStall(long outstanding) {
        PrintStream out = s.progress != null ? s.progress : System.err;
        out.printf(Locale.ROOT, "event=window_stall outstanding=%d no_delivery_for_ms=%d (forgiven; what never arrives is counted lost)%n",
                outstanding, s.windowStallMillis);
        for (LoopContext loop : transport.loops()) {
            loop.loop().execute(() -> {
                int n = 0;
                for (MqttClient c : loop.clients()) {
                    if (n++ >= 12) {
                        break;
                    }
                    if (c instanceof Subscriber) {
                        out.println("  state " + ((Subscriber) c).describeState());
                    } else if (c instanceof Publisher) {
                        out.println("  state " + ((Publisher) c).describeState());
                    }
                }
            });
        }
    }
}
