package io.mqttcluster.bench.scenario;

import io.mqttcluster.bench.client.ClientConfig;
import io.mqttcluster.bench.client.ClientEvents;
import io.mqttcluster.bench.client.ConnectPacer;
import io.mqttcluster.bench.client.LoopContext;
import io.mqttcluster.bench.client.MqttClient;
import io.mqttcluster.bench.load.LoadEngine;
import io.mqttcluster.bench.load.Plan;
import io.mqttcluster.bench.load.Settings;
import io.mqttcluster.bench.load.Subscriber;
import io.mqttcluster.bench.report.RunResult;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code reconnect-storm} scenario: N persistent-session subscribers (clean session false) receive a background
 * stream from one publisher; then all N connections are dropped at once (TCP close, no DISCONNECT) and reconnect
 * immediately. Measures the time until every client is back (CONNACK with its session, or re-subscribed when the
 * session was gone), how many came back without their session, and what the stream lost or duplicated.
 * Afterwards the sessions are cleared (a clean-session connect per client id), so the broker does not keep them.
 */
public final class ReconnectStorm {

    /** Storm-specific settings on top of the load {@link Settings}. */
    public static final class Options {
        public int clients = 1000;
        /** Time with the stream running before the first storm. */
        public Duration hold = Duration.ofSeconds(5);
        /** Time with the stream running after all clients are back, before the next storm or the end. */
        public Duration after = Duration.ofSeconds(5);
        public int storms = 1;
        public Duration reconnectTimeout = Duration.ofSeconds(60);
        public boolean cleanup = true;
    }

    private final Settings s;
    private final Options o;
    private final String root;

    public ReconnectStorm(Settings settings, Options options, String topicRoot) {
        this.s = settings;
        this.o = options;
        this.root = topicRoot;
    }

    public RunResult run() {
        ProcInfo.checkFileLimit(o.clients + 1L);
        s.cleanSession = false;
        Plan plan = Scenarios.storm(s, root, o.clients);
        plan.parameters.put("storms", o.storms);
        plan.parameters.put("hold_s", o.hold.toMillis() / 1000.0);
        plan.parameters.put("after_s", o.after.toMillis() / 1000.0);
        // The stream's duration is what the storms take; the warm-up and duration settings do not apply.
        try (LoadEngine engine = new LoadEngine(s, plan, b -> b.connectRetries(1000).retryBackoffMillis(200))) {
            List<Map<String, Object>> storms = new ArrayList<>();
            RunResult result;
            try {
                engine.startProgress();
                engine.connectSubscribers();
                engine.connectPublishers();
                engine.startSending();
                sleep(o.hold);
                for (int k = 0; k < o.storms; k++) {
                    storms.add(storm(engine, k + 1));
                    sleep(o.after);
                }
                engine.stopSending();
                engine.drain();
                result = engine.finish();
            } catch (LoadEngine.SetupException e) {
                result = engine.finish();
                result.error = e.getMessage();
            }
            result.extra.put("storms", storms);
            result.extra.put("reconnects_without_session", engine.reconnectsWithoutSession());
            if (!storms.isEmpty()) {
                result.extra.put("all_back_seconds_max", storms.stream()
                        .mapToDouble(st -> ((Number) st.get("all_back_seconds")).doubleValue()).max().orElse(0));
            }
            if (o.cleanup) {
                cleanup(engine);
            }
            return result;
        }
    }

    private Map<String, Object> storm(LoadEngine engine, int number) {
        int n = engine.subscribers().size();
        Set<Subscriber> back = ConcurrentHashMap.newKeySet();
        Histogram backTimes = new Histogram(1_000L, TimeUnit.MINUTES.toNanos(10), 3);
        AtomicLong lastBack = new AtomicLong();
        long withoutBefore = engine.reconnectsWithoutSession();
        long t0 = System.nanoTime();
        engine.onSubscribed(sub -> {
            if (back.add(sub)) {
                long now = System.nanoTime();
                synchronized (backTimes) {
                    backTimes.recordValue(Math.max(1, Math.min(now - t0, backTimes.getHighestTrackableValue())));
                }
                lastBack.accumulateAndGet(now, Math::max);
            }
        });
        if (s.progress != null) {
            s.progress.printf(Locale.ROOT, "event=storm_begin storm=%d clients=%,d%n", number, n);
        }
        for (LoopContext loop : engine.transport().loops()) {
            loop.run(() -> {
                for (MqttClient c : loop.clients()) {
                    if (c instanceof Subscriber) {
                        c.dropAndReconnect();
                    }
                }
            });
        }
        long deadline = t0 + o.reconnectTimeout.toNanos();
        while (back.size() < n && System.nanoTime() < deadline) {
            sleepMillis(5);
        }
        engine.onSubscribed(null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("storm", number);
        m.put("clients", n);
        m.put("back", back.size());
        double allBack = back.isEmpty() ? 0 : (lastBack.get() - t0) / 1e9;
        m.put("all_back_seconds", back.size() == n ? allBack : (double) o.reconnectTimeout.toSeconds());
        m.put("without_session", engine.reconnectsWithoutSession() - withoutBefore);
        synchronized (backTimes) {
            m.put("back_ms_p50", backTimes.getValueAtPercentile(50) / 1e6);
            m.put("back_ms_p99", backTimes.getValueAtPercentile(99) / 1e6);
            m.put("back_ms_max", backTimes.getMaxValue() / 1e6);
        }
        if (s.progress != null) {
            s.progress.printf(Locale.ROOT, "event=storm_end storm=%d back=%,d/%,d all_back_s=%.3f without_session=%d%n",
                    number, back.size(), n, allBack, engine.reconnectsWithoutSession() - withoutBefore);
        }
        return m;
    }

    /** Connects each storm client id once with clean session true, which discards its session on the broker. */
    private void cleanup(LoadEngine engine) {
        Set<String> done = ConcurrentHashMap.newKeySet();
        ClientConfig config = ClientConfig.builder(engine.transport(), ClientEvents.NONE)
                .version(s.version).keepAliveSeconds(s.keepAliveSeconds).credentials(s.username, s.password)
                .sessionExpirySeconds(0).connectRetries(2).build();
        ConnectPacer pacer = new ConnectPacer(engine.transport().loops().get(0), 0, 200);
        for (Subscriber sub : engine.subscribers()) {
            pacer.submit(new IdleClient(config, engine.transport().nextLoop(), sub.clientId(), sub.endpoint(), true,
                    null, true, x -> done.add(x.clientId())));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (done.size() < engine.subscribers().size() && System.nanoTime() < deadline) {
            sleepMillis(10);
        }
    }

    private static void sleep(Duration d) {
        sleepMillis(d.toMillis());
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
