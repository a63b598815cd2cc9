package io.mqttcluster.bench.load;

import io.mqttcluster.bench.client.ClientConfig;
import io.mqttcluster.bench.client.ClientEvents;
import io.mqttcluster.bench.client.ConnectPacer;
import io.mqttcluster.bench.client.LoopContext;
import io.mqttcluster.bench.client.MqttClient;
import io.mqttcluster.bench.client.Transport;
import io.mqttcluster.bench.measure.Clock;
import io.mqttcluster.bench.measure.CpuMeter;
import io.mqttcluster.bench.measure.LatencyAccumulator;
import io.mqttcluster.bench.measure.Receiver;
import io.mqttcluster.bench.measure.RunStats;
import io.mqttcluster.bench.report.LatencySummary;
import io.mqttcluster.bench.report.Machine;
import io.mqttcluster.bench.report.ProgressReporter;
import io.mqttcluster.bench.report.RunResult;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs a {@link Plan}: connects the subscribers (and waits for their SUBACKs), then the publishers, sends for the
 * warm-up plus the duration (or until every publisher sent its count), stops, drains until everything expected has
 * arrived or the drain time is up, disconnects and computes the {@link RunResult}. The phases are public so that
 * scenarios with a different middle (the reconnect storm) reuse the rest. Phases run on the caller's thread; the
 * clients live on the transport's event loops.
 */
public final class LoadEngine implements ClientEvents, AutoCloseable {
    private static final int MAX_PROBLEM_STREAMS = 1000;

    private final Settings s;
    private final Plan plan;
    private final RunStats stats = new RunStats();
    private final LatencyAccumulator latency = new LatencyAccumulator(stats);
    private final Transport transport;
    private final ClientConfig clientConfig;
    private final ConnectPacer pacer;
    private final Window window;
    private final List<Publisher> publishers = new ArrayList<>();
    private final List<Subscriber> subscribers = new ArrayList<>();
    private final Map<LoopContext, SendLoop> sendLoops = new IdentityHashMap<>();
    private final Set<Subscriber> subAcked = ConcurrentHashMap.newKeySet();
    private final AtomicInteger givenUp = new AtomicInteger();
    private final AtomicInteger publishersConnected = new AtomicInteger();
    private final AtomicLong reconnectsWithoutSession = new AtomicLong();
    private volatile Consumer<Subscriber> subscribedHook;
    private volatile String phase = "connect";
    private final Instant startedAt = Instant.now();
    private final CpuMeter cpu = new CpuMeter();
    private ProgressReporter progress;
    private long sendStartNanos;
    private long lastSent;
    private long lastReceived;
    private String error;

    public LoadEngine(Settings settings, Plan plan) {
        this(settings, plan, b -> { });
    }

    /** @param tune adjusts the client settings (retries, reconnects) for a scenario */
    public LoadEngine(Settings settings, Plan plan, Consumer<ClientConfig.Builder> tune) {
        this.s = settings;
        this.plan = plan;
        this.transport = new Transport(s.threads, s.transport, s.sourceAddresses, s.connectTimeoutMillis);
        ClientConfig.Builder b = ClientConfig.builder(transport, this)
                .version(s.version)
                .keepAliveSeconds(s.keepAliveSeconds)
                .credentials(s.username, s.password)
                .sessionExpirySeconds(s.sessionExpirySeconds)
                .connackTimeoutMillis(Math.max(s.connectTimeoutMillis, 5000))
                .connectRetries(s.connectRetries);
        tune.accept(b);
        this.clientConfig = b.build();
        this.pacer = new ConnectPacer(transport.loops().get(0), s.connectRate, s.maxPendingConnects);
        int maxDeliveries = plan.maxDeliveries();
        this.window = s.window > 0 && maxDeliveries > 0 ? new Window(s.window * maxDeliveries, s.windowStallMillis) : null;
    }

    public RunStats stats() {
        return stats;
    }

    public Window window() {
        return window;
    }

    public List<Subscriber> subscribers() {
        return subscribers;
    }

    public List<Publisher> publishers() {
        return publishers;
    }

    public Transport transport() {
        return transport;
    }

    public long reconnectsWithoutSession() {
        return reconnectsWithoutSession.get();
    }

    /** Called (on a loop) whenever a subscriber's subscription is confirmed, including after reconnects. */
    public void onSubscribed(Consumer<Subscriber> hook) {
        this.subscribedHook = hook;
    }

    // ---------------------------------------------------------------- the standard run

    public RunResult run() {
        try {
            startProgress();
            connectSubscribers();
            connectPublishers();
            startSending();
            awaitSendingEnd();
            stopSending();
            drain();
        } catch (SetupException e) {
            error = e.getMessage();
        }
        return finish();
    }

    /** A failure that stops the run before measuring (its message says why). */
    public static final class SetupException extends RuntimeException {
        public SetupException(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- phases

    public void startProgress() {
        if (progress == null) {
            progress = new ProgressReporter(s.progress, 1000, this::progressLine);
        }
    }

    public void connectSubscribers() {
        phase = "connect";
        for (Plan.Sub spec : plan.subs) {
            LoopContext loop = transport.nextLoop();
            Subscriber sub = new Subscriber(clientConfig, loop, spec.clientId, spec.endpoint, s.cleanSession,
                    spec.filters, s.qos, spec.receiver, stats, window, this::subscribed);
            subscribers.add(sub);
            pacer.submit(sub);
        }
        long deadline = System.nanoTime() + setupTimeoutNanos(subscribers.size());
        await(() -> subAcked.size() + givenUp.get() >= subscribers.size() || stats.subscribeFailures.sum() > 0,
                deadline);
        if (stats.subscribeFailures.sum() > 0) {
            throw new SetupException(stats.subscribeFailures.sum() + " subscription(s) refused by the broker");
        }
        if (subAcked.size() < subscribers.size()) {
            throw new SetupException((subscribers.size() - subAcked.size()) + " of " + subscribers.size()
                    + " subscribers did not connect and subscribe (" + givenUp.get() + " gave up)");
        }
    }

    public void connectPublishers() {
        phase = "connect";
        for (Plan.Pub spec : plan.pubs) {
            LoopContext loop = transport.nextLoop();
            Publisher pub = new Publisher(clientConfig, loop, spec.clientId, spec.endpoint, s.cleanSession,
                    spec.index, spec.topic, s.qos, s.size, s.inflight, spec.deliveries, s.count, s.retain, stats);
            publishers.add(pub);
        }
        int loops = transport.threads();
        int[] perLoop = new int[loops];
        for (Publisher p : publishers) {
            perLoop[p.loopContext().index()]++;
        }
        for (LoopContext loop : transport.loops()) {
            double share = s.rate > 0 && !publishers.isEmpty()
                    ? s.rate * perLoop[loop.index()] / publishers.size() : 0;
            if (perLoop[loop.index()] > 0) {
                sendLoops.put(loop, new SendLoop(loop, share, window));
            }
        }
        List<Runnable> attach = new ArrayList<>();
        for (Publisher p : publishers) {
            SendLoop sl = sendLoops.get(p.loopContext());
            onLoopSync(p.loopContext(), () -> p.attach(sl));
            attach.add(() -> pacer.submit(p));
        }
        attach.forEach(Runnable::run);
        long deadline = System.nanoTime() + setupTimeoutNanos(publishers.size());
        await(() -> publishersConnected.get() >= publishers.size() || givenUp.get() > 0, deadline);
        long connected = publishersConnected.get();
        if (connected < publishers.size()) {
            throw new SetupException((publishers.size() - connected) + " of " + publishers.size()
                    + " publishers did not connect (" + givenUp.get() + " gave up)");
        }
    }

    public void startSending() {
        for (LoopContext loop : transport.loops()) {
            onLoopSync(loop, () -> cpu.addLoopThread(Thread.currentThread().getId()));
        }
        cpu.start();
        long now = Clock.now();
        stats.measureFrom(now + s.warmup.toNanos());
        sendStartNanos = System.nanoTime();
        phase = s.warmup.isZero() ? "measure" : "warmup";
        for (Map.Entry<LoopContext, SendLoop> e : sendLoops.entrySet()) {
            SendLoop sl = e.getValue();
            if (sl == null) {
                continue;
            }
            e.getKey().run(() -> {
                for (Publisher p : publishers) {
                    if (p.loopContext() == e.getKey()) {
                        p.startSending();
                    }
                }
                sl.start();
            });
        }
    }

    /** Waits for the end of warm-up plus duration, or until every publisher has sent its count. */
    public void awaitSendingEnd() {
        long end = sendStartNanos + s.warmup.toNanos() + s.duration.toNanos();
        long warmEnd = sendStartNanos + s.warmup.toNanos();
        while (System.nanoTime() < end) {
            if (System.nanoTime() >= warmEnd) {
                phase = "measure";
            }
            if (s.count > 0 && !publishers.isEmpty() && stats.sent.sum() >= s.count * publishers.size()) {
                break;
            }
            sleepMillis(5);
        }
    }

    public void stopSending() {
        stats.measureUntil(Clock.now());
        cpu.stop();
        for (Map.Entry<LoopContext, SendLoop> e : sendLoops.entrySet()) {
            if (e.getValue() != null) {
                onLoopSync(e.getKey(), () -> {
                    e.getValue().stop();
                    for (Publisher p : publishers) {
                        if (p.loopContext() == e.getKey()) {
                            p.stopSending();
                        }
                    }
                });
            }
        }
        phase = "drain";
    }

    /** Waits until every expected delivery arrived and every QoS 1/2 publish was acknowledged, or the drain time. */
    public void drain() {
        phase = "drain";
        long deadline = System.nanoTime() + s.drain.toNanos();
        await(() -> stats.firstReceipts.sum() >= stats.expectedDeliveries.sum()
                && stats.acked.sum() + stats.rejected.sum() >= stats.ackable.sum(), deadline);
    }

    /** Disconnects everyone, waits for the sockets to close, and computes the result. */
    public RunResult finish() {
        phase = "done";
        if (progress != null) {
            progress.close();
        }
        for (LoopContext loop : transport.loops()) {
            onLoopSync(loop, () -> {
                for (MqttClient c : new ArrayList<>(loop.clients())) {
                    c.disconnect();
                }
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        await(() -> {
            boolean[] all = {true};
            for (LoopContext loop : transport.loops()) {
                onLoopSync(loop, () -> {
                    for (MqttClient c : loop.clients()) {
                        if (c.state() != MqttClient.State.CLOSED && c.state() != MqttClient.State.NEW) {
                            all[0] = false;
                        }
                    }
                });
            }
            return all[0];
        }, deadline);
        return result();
    }

    private RunResult result() {
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
        for (SendLoop sl : sendLoops.values()) {
            if (sl != null) {
                skipped += sl.skipped();
            }
        }
        r.rateSkipped = skipped;
        r.toolCpuPercent = cpu.processPercent();
        r.toolBusiestLoopPercent = cpu.busiestLoopPercent();
        return r;
    }

    @Override
    public void close() {
        if (progress != null) {
            progress.close();
        }
        transport.close();
    }

    // ---------------------------------------------------------------- events

    private void subscribed(Subscriber sub, boolean ok) {
        if (ok) {
            subAcked.add(sub);
        }
        Consumer<Subscriber> hook = subscribedHook;
        if (hook != null && ok) {
            hook.accept(sub);
        }
    }

    @Override
    public void connected(MqttClient client, boolean sessionPresent, long connectNanos, boolean reconnect) {
        stats.connected.increment();
        stats.connectedNow.incrementAndGet();
        stats.recordConnect(connectNanos);
        if (!reconnect && client instanceof Publisher) {
            publishersConnected.incrementAndGet();
        }
        if (reconnect && !sessionPresent && !client.cleanSession()) {
            reconnectsWithoutSession.incrementAndGet();
        }
    }

    @Override
    public void connectFailed(MqttClient client, String reason, boolean gaveUp) {
        stats.connectFailures.increment();
        if (gaveUp) {
            givenUp.incrementAndGet();
            if (givenUp.get() <= 5 && s.progress != null) {
                s.progress.println("event=connect_failed client_id=" + client.clientId() + " broker=" + client.endpoint()
                        + " reason=\"" + reason + "\"");
            }
        }
    }

    @Override
    public void connectionClosed(MqttClient client) {
        stats.connectedNow.decrementAndGet();
    }

    @Override
    public void connectionLost(MqttClient client, String reason) {
        stats.connectionsLost.increment();
        long lostSoFar = stats.connectionsLost.sum();
        stats.connectedNow.decrementAndGet();
        if (lostSoFar <= 5 && s.progress != null) {
            s.progress.println("event=connection_lost client_id=" + client.clientId() + " reason=\"" + reason + "\"");
        }
    }

    // ---------------------------------------------------------------- progress

    private String progressLine(long elapsedMillis) {
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

    // ---------------------------------------------------------------- helpers

    private long setupTimeoutNanos(int clients) {
        double rate = s.connectRate > 0 ? s.connectRate : 2000;
        return TimeUnit.SECONDS.toNanos(30) + (long) (clients / rate * 1e9);
    }

    static void onLoopSync(LoopContext loop, Runnable task) {
        if (loop.inLoop()) {
            task.run();
            return;
        }
        try {
            loop.loop().submit(task).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("event loop task failed: " + e, e);
        }
    }

    /** Polls a condition until it holds or the deadline passes (this is the tool's own pacing, not a test wait). */
    static boolean await(BooleanSupplier condition, long deadlineNanos) {
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() >= deadlineNanos) {
                return false;
            }
            sleepMillis(5);
        }
        return true;
    }

    static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
