package io.mqttcluster.bench.load;

import io.mqttcluster.bench.client.Transport;
import io.mqttcluster.bench.measure.CpuMeter;
import io.mqttcluster.bench.measure.LatencyAccumulator;
import io.mqttcluster.bench.measure.Receiver;
import io.mqttcluster.bench.measure.RunStats;
import io.mqttcluster.bench.report.LatencySummary;
import io.mqttcluster.bench.report.Machine;
import io.mqttcluster.bench.report.RunResult;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Computes the {@link RunResult} of a finished run from the engine's parts: the settings, the counters and
 * histograms, every stream's losses, duplicates and order from the plan's receivers, the window and the tool's own
 * CPU. Called once, on the engine's thread, after the clients are closed.
 */
final class ResultBuilder {
    private static final int MAX_PROBLEM_STREAMS = 1000;

    private final Settings s;
    private final Plan plan;
    private final Instant startedAt;
    private final RunStats stats;
    private final LatencyAccumulator latency;
    private final Transport transport;
    private final List<Publisher> publishers;
    private final List<Subscriber> subscribers;
    private final Window window;
    private final Collection<SendLoop> sendLoops;
    private final CpuMeter cpu;

    ResultBuilder(Settings s, Plan plan, Instant startedAt, RunStats stats, LatencyAccumulator latency, Transport transport,
                  List<Publisher> publishers, List<Subscriber> subscribers, Window window, Collection<SendLoop> sendLoops,
                  CpuMeter cpu) {
        this.s = s;
        this.plan = plan;
        this.startedAt = startedAt;
        this.stats = stats;
        this.latency = latency;
        this.transport = transport;
        this.publishers = publishers;
        this.subscribers = subscribers;
        this.window = window;
        this.sendLoops = sendLoops;
        this.cpu = cpu;
    }

    /** @param error why the run stopped before measuring, or null */
    RunResult build(String error) {
        latency.poll();
        RunResult r = new RunResult();
        r.scenario = plan.scenario;
        r.startedAt = startedAt.toString();
        r.tags.putAll(s.tags);
        r.settings.putAll(plan.parameters);
        r.settings.put("qos", s.qos);
        r.settings.put("size", s.size);
        r.settings.put("rate", s.rate);
        r.settings.put("window", s.window);
        r.settings.put("inflight", s.inflight);
        r.settings.put("count", s.count);
        r.settings.put("duration_s", s.duration.toMillis() / 1000.0);
        r.settings.put("warmup_s", s.warmup.toMillis() / 1000.0);
        r.settings.put("mqtt", s.version.toString());
        r.settings.put("clean_session", s.cleanSession);
        r.settings.put("threads", transport.threads());
        r.settings.put("transport", transport.kind());
        r.settings.put("pub_hosts", String.valueOf(s.pubHosts));
        r.settings.put("sub_hosts", String.valueOf(s.subHosts));
        r.machine.putAll(Machine.describe());
        r.error = error;

        long start = stats.measureStart();
        long end = stats.measureEnd();
        r.warmupSeconds = s.warmup.toMillis() / 1000.0;
        r.measuredSeconds = end == Long.MAX_VALUE || start == Long.MAX_VALUE || end <= start ? 0 : (end - start) / 1e9;
        r.sent = stats.sent.sum();
        r.received = stats.received.sum();
        r.sentMeasured = stats.sentMeasured.sum();
        r.receivedMeasured = stats.receivedMeasured.sum();
        r.sentPerSecond = r.measuredSeconds > 0 ? r.sentMeasured / r.measuredSeconds : 0;
        r.receivedPerSecond = r.measuredSeconds > 0 ? r.receivedMeasured / r.measuredSeconds : 0;
        r.latency = LatencySummary.of(latency.latency());
        r.ackLatency = LatencySummary.of(latency.ackLatency());
        r.connectLatency = LatencySummary.of(latency.connectLatency());

        long[] sentBy = new long[plan.pubs.size()];
        long[][] unackedBy = new long[plan.pubs.size()][];
        for (Publisher p : publishers) {
            sentBy[p.index()] = p.sentCount();
            unackedBy[p.index()] = p.unacknowledged();
        }
        long lost = 0;
        long lostUnacked = 0;
        long dups = 0;
        long ooo = 0;
        int streams = 0;
        for (Receiver rec : plan.receivers) {
            for (Receiver.StreamResult sr : rec.results(rec.hasExpectations() ? sentBy : null, unackedBy)) {
                streams++;
                lost += sr.lost;
                lostUnacked += sr.lostUnacked;
                dups += sr.duplicates;
                ooo += sr.outOfOrder;
                if ((sr.lost > 0 || sr.duplicates > 0 || sr.outOfOrder > 0) && r.problemStreams.size() < MAX_PROBLEM_STREAMS) {
                    r.problemStreams.add(sr);
                }
            }
        }
        r.streamsTotal = streams;
        r.lost = lost;
        r.lostUnacked = lostUnacked;
        r.duplicated = dups;
        r.outOfOrder = ooo;
        r.unacked = Math.max(0, stats.ackable.sum() - stats.acked.sum());
        r.foreign = stats.foreign.sum();
        r.rejected = stats.rejected.sum();
        r.resent = stats.resent.sum();
        r.protocolErrors = stats.protocolErrors.sum();
        r.clients = publishers.size() + subscribers.size();
        r.connected = stats.connected.sum();
        r.connectFailures = stats.connectFailures.sum();
        r.connectionsLost = stats.connectionsLost.sum();
        r.subscribeFailures = stats.subscribeFailures.sum();
        if (window != null) {
            r.windowCapacity = window.capacity();
            r.windowMaxOutstanding = window.maxOutstanding();
            r.windowStalls = window.stalls();
        }
        long skipped = 0;
        for (SendLoop sl : sendLoops) {
            if (sl != null) {
                skipped += sl.skipped();
            }
        }
        r.rateSkipped = skipped;
        r.toolCpuPercent = cpu.processPercent();
        r.toolBusiestLoopPercent = cpu.busiestLoopPercent();
        return r;
    }
}
