package io.mqttcluster.bench.report;

import io.mqttcluster.bench.measure.Receiver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The numbers of one finished run, as printed in the final table and written to the JSON file. */
public final class RunResult {
    public String scenario;
    public String startedAt;
    public final Map<String, String> tags = new LinkedHashMap<>();
    public final Map<String, Object> settings = new LinkedHashMap<>();
    public final Map<String, Object> machine = new LinkedHashMap<>();

    public double measuredSeconds;
    public double warmupSeconds;
    public long sent;
    public long received;
    public long sentMeasured;
    public long receivedMeasured;
    public double sentPerSecond;
    public double receivedPerSecond;
    public LatencySummary latency = LatencySummary.of(null);
    public LatencySummary ackLatency = LatencySummary.of(null);
    public LatencySummary connectLatency = LatencySummary.of(null);

    public long lost;
    /** Of the lost, those whose publish the broker never acknowledged (still unacknowledged at the end). */
    public long lostUnacked;
    public long duplicated;
    public long outOfOrder;
    public long unacked;
    public long foreign;
    public long rejected;
    public long resent;
    public long protocolErrors;

    public long clients;
    public long connected;
    public long connectFailures;
    public long connectionsLost;
    public long subscribeFailures;

    public long windowCapacity;
    public long windowMaxOutstanding;
    public long windowStalls;
    public long rateSkipped;

    /** The tool's own CPU use while sending: the process, and its busiest event loop (percent of one core). */
    public double toolCpuPercent = Double.NaN;
    public double toolBusiestLoopPercent = Double.NaN;

    public int streamsTotal;
    public final List<Receiver.StreamResult> problemStreams = new ArrayList<>();
    /** Scenario-specific numbers (connection memory, reconnect storm timings...). */
    public final Map<String, Object> extra = new LinkedHashMap<>();
    /** Why the run did not complete, or null. */
    public String error;

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tool", "mqtt-cluster-bench");
        m.put("format", 1);
        m.put("scenario", scenario);
        m.put("started_at", startedAt);
        m.put("tags", tags);
        m.put("settings", settings);
        m.put("machine", machine);
        if (error != null) {
            m.put("error", error);
        }
        m.put("measured_seconds", measuredSeconds);
        m.put("warmup_seconds", warmupSeconds);
        m.put("sent", sent);
        m.put("received", received);
        m.put("sent_in_window", sentMeasured);
        m.put("received_in_window", receivedMeasured);
        m.put("sent_per_second", sentPerSecond);
        m.put("received_per_second", receivedPerSecond);
        m.put("latency_ms", latency.toJson());
        m.put("ack_latency_ms", ackLatency.toJson());
        m.put("lost", lost);
        m.put("lost_unacknowledged", lostUnacked);
        m.put("duplicated", duplicated);
        m.put("out_of_order", outOfOrder);
        m.put("unacked", unacked);
        m.put("foreign", foreign);
        m.put("rejected", rejected);
        m.put("resent", resent);
        m.put("protocol_errors", protocolErrors);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("clients", clients);
        c.put("connected", connected);
        c.put("failures", connectFailures);
        c.put("lost", connectionsLost);
        c.put("subscribe_failures", subscribeFailures);
        c.put("connack_ms", connectLatency.toJson());
        m.put("connections", c);
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("capacity", windowCapacity);
        w.put("max_outstanding", windowMaxOutstanding);
        w.put("stalls", windowStalls);
        m.put("window", w);
        m.put("rate_skipped", rateSkipped);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("process_cpu_percent", toolCpuPercent);
        tool.put("busiest_loop_cpu_percent", toolBusiestLoopPercent);
        m.put("tool_cpu", tool);
        m.put("streams_total", streamsTotal);
        List<Object> streams = new ArrayList<>();
        for (Receiver.StreamResult s : problemStreams) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("receiver", s.receiver);
            sm.put("publisher", s.publisher);
            sm.put("expected", s.expected);
            sm.put("received", s.received);
            sm.put("lost", s.lost);
            sm.put("lost_unacknowledged", s.lostUnacked);
            sm.put("duplicated", s.duplicates);
            sm.put("out_of_order", s.outOfOrder);
            streams.add(sm);
        }
        m.put("problem_streams", streams);
        m.put("extra", extra);
        return m;
    }
}
