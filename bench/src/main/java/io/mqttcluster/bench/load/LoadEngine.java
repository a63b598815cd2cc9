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
import io.mqttcluster.bench.measure.RunStats;
import io.mqttcluster.bench.report.ProgressReporter;
import io.mqttcluster.bench.report.RunResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs a {@link Plan}: connects the subscribers (and waits for their SUBACKs), then the publishers, sends for the
 * warm-up plus the duration (or until every publisher sent its count), stops, drains until everything expected has
 * arrived or the drain time is up, disconnects and computes the {@link RunResult}. The phases are public so that
 * scenarios with a different middle (the reconnect storm) reuse the rest. Phases run on the caller's thread; the
 * clients live on the transport's event loops.
 */
public final class LoadEngine implements ClientEvents, AutoCloseable {
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
    private final ProgressLine progressLine;
    private final ResultBuilder results;
    private ProgressReporter progress;
    private long sendStartNanos;
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
        this.progressLine = new ProgressLine(s, plan, stats, latency, window, transport, publishers, subscribers, () -> phase);
        this.results = new ResultBuilder(s, plan, startedAt, stats, latency, transport, publishers, subscribers, window,
                sendLoops.values(), cpu);
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
            progress = new ProgressReporter(s.progress, 1000, progressLine::line);
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
        Loops.await(() -> subAcked.size() + givenUp.get() >= subscribers.size() || stats.subscribeFailures.sum() > 0,
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
            Loops.onLoopSync(p.loopContext(), () -> p.attach(sl));
            attach.add(() -> pacer.submit(p));
        }
        attach.forEach(Runnable::run);
        long deadline = System.nanoTime() + setupTimeoutNanos(publishers.size());
        Loops.await(() -> publishersConnected.get() >= publishers.size() || givenUp.get() > 0, deadline);
        long connected = publishersConnected.get();
        if (connected < publishers.size()) {
            throw new SetupException((publishers.size() - connected) + " of " + publishers.size()
                    + " publishers did not connect (" + givenUp.get() + " gave up)");
        }
    }

    public void startSending() {
        for (LoopContext loop : transport.loops()) {
            Loops.onLoopSync(loop, () -> cpu.addLoopThread(Thread.currentThread().getId()));
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
            Loops.sleepMillis(5);
        }
    }

    public void stopSending() {
        stats.measureUntil(Clock.now());
        cpu.stop();
        for (Map.Entry<LoopContext, SendLoop> e : sendLoops.entrySet()) {
            if (e.getValue() != null) {
                Loops.onLoopSync(e.getKey(), () -> {
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
        Loops.await(() -> stats.firstReceipts.sum() >= stats.expectedDeliveries.sum()
                && stats.acked.sum() + stats.rejected.sum() >= stats.ackable.sum(), deadline);
    }

    /** Disconnects everyone, waits for the sockets to close, and computes the result. */
    public RunResult finish() {
        phase = "done";
        if (progress != null) {
            progress.close();
        }
        for (LoopContext loop : transport.loops()) {
            Loops.onLoopSync(loop, () -> {
                for (MqttClient c : new ArrayList<>(loop.clients())) {
                    c.disconnect();
                }
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Loops.await(() -> {
            boolean[] all = {true};
            for (LoopContext loop : transport.loops()) {
                Loops.onLoopSync(loop, () -> {
                    for (MqttClient c : loop.clients()) {
                        if (c.state() != MqttClient.State.CLOSED && c.state() != MqttClient.State.NEW) {
                            all[0] = false;
                        }
                    }
                });
            }
            return all[0];
        }, deadline);
        return results.build(error);
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

    // ---------------------------------------------------------------- helpers

    private long setupTimeoutNanos(int clients) {
        double rate = s.connectRate > 0 ? s.connectRate : 2000;
        return TimeUnit.SECONDS.toNanos(30) + (long) (clients / rate * 1e9);
    }
}
