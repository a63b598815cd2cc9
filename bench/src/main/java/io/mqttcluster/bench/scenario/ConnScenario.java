package io.mqttcluster.bench.scenario;

import io.mqttcluster.bench.client.ClientConfig;
import io.mqttcluster.bench.client.ClientEvents;
import io.mqttcluster.bench.client.ConnectPacer;
import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.client.LoopContext;
import io.mqttcluster.bench.client.MqttClient;
import io.mqttcluster.bench.client.SourceAddresses;
import io.mqttcluster.bench.client.Transport;
import io.mqttcluster.bench.codec.MqttVersion;
import io.mqttcluster.bench.measure.LatencyAccumulator;
import io.mqttcluster.bench.measure.RunStats;
import io.mqttcluster.bench.report.LatencySummary;
import io.mqttcluster.bench.report.Machine;
import io.mqttcluster.bench.report.ProgressReporter;
import io.mqttcluster.bench.report.RunResult;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code conn} scenario: opens N connections at a given rate, holds them, and reports the connect rate, the
 * failures, and (given the broker's pid) the broker's resident memory per connection: VmRSS sampled before the first
 * connect and at the end of the hold, divided by the connections held.
 */
public final class ConnScenario implements ClientEvents {

    /** Settings of a {@code conn} run. */
    public static final class Options {
        public List<Endpoint> hosts;
        public int connections = 1000;
        public double rate = 1000;
        public int maxPending = 100;
        public Duration hold = Duration.ofSeconds(10);
        public long brokerPid = -1;
        public SourceAddresses sourceAddresses = SourceAddresses.parse("127.0.0.2-127.0.0.50");
        public String clientPrefix = "bench-";
        public boolean cleanSession = true;
        public int keepAliveSeconds = 60;
        public MqttVersion version = MqttVersion.V3_1_1;
        public String username;
        public String password;
        public int threads = 1;
        public String transport = "auto";
        public int connectTimeoutMillis = 10_000;
        /** A filter each connection subscribes to once (null = none). {@code %i} is the connection index. */
        public String subscribe;
        public PrintStream progress = System.err;
        public Map<String, String> tags = new LinkedHashMap<>();
    }

    private final Options o;
    private final RunStats stats = new RunStats();
    private final LatencyAccumulator latency = new LatencyAccumulator(stats);
    private final AtomicInteger ready = new AtomicInteger();
    private final AtomicInteger givenUp = new AtomicInteger();
    private final AtomicLong lastReadyNanos = new AtomicLong();
    private volatile String phase = "connect";
    private volatile boolean holding;
    private final AtomicLong lostDuringHold = new AtomicLong();
    private long lastConnected;

    public ConnScenario(Options options) {
        this.o = options;
    }

    public RunResult run() {
        ProcInfo.checkFileLimit(o.connections);
        RunResult r = new RunResult();
        r.scenario = "conn";
        r.startedAt = Instant.now().toString();
        r.tags.putAll(o.tags);
        r.machine.putAll(Machine.describe());
        r.settings.put("connections", o.connections);
        r.settings.put("rate", o.rate);
        r.settings.put("hold_s", o.hold.toMillis() / 1000.0);
        r.settings.put("mqtt", o.version.toString());
        r.settings.put("clean_session", o.cleanSession);
        r.settings.put("source_ips", o.sourceAddresses.toString());
        r.settings.put("subscribe", String.valueOf(o.subscribe));
        r.settings.put("threads", o.threads);
        r.settings.put("pub_hosts", String.valueOf(o.hosts));
        r.settings.put("sub_hosts", String.valueOf(o.hosts));
        if (o.brokerPid > 0) {
            long brokerLimit = ProcInfo.maxOpenFiles(o.brokerPid);
            if (brokerLimit > 0 && brokerLimit < o.connections + 16L && o.progress != null) {
                o.progress.printf(Locale.ROOT, "warning: the broker (pid %d) may open only %,d files; %,d connections will not all fit%n",
                        o.brokerPid, brokerLimit, o.connections);
            }
        }
        long rssBefore = o.brokerPid > 0 ? ProcInfo.rssKb(o.brokerPid) : -1;
        try (Transport transport = new Transport(o.threads, o.transport, o.sourceAddresses, o.connectTimeoutMillis)) {
            ProgressReporter progress = new ProgressReporter(o.progress, 1000, this::progressLine);
            r.settings.put("transport", transport.kind());
            ClientConfig config = ClientConfig.builder(transport, this)
                    .version(o.version).keepAliveSeconds(o.keepAliveSeconds).credentials(o.username, o.password)
                    .connackTimeoutMillis(Math.max(5000, o.connectTimeoutMillis)).connectRetries(2).build();
            ConnectPacer pacer = new ConnectPacer(transport.loops().get(0), o.rate, o.maxPending);
            List<IdleClient> clients = new ArrayList<>(o.connections);
            long t0 = System.nanoTime();
            for (int i = 0; i < o.connections; i++) {
                String filter = o.subscribe == null ? null : o.subscribe.replace("%i", Integer.toString(i));
                IdleClient c = new IdleClient(config, transport.nextLoop(), o.clientPrefix + "conn-" + i,
                        o.hosts.get(i % o.hosts.size()), o.cleanSession, filter, false, this::ready);
                clients.add(c);
                pacer.submit(c);
            }
            double expectSeconds = o.rate > 0 ? o.connections / o.rate : o.connections / 2000.0;
            long deadline = t0 + (long) ((expectSeconds * 2 + 60) * 1e9);
            while (ready.get() + givenUp.get() < o.connections && System.nanoTime() < deadline) {
                sleep(10);
            }
            long connectEnd = ready.get() > 0 ? lastReadyNanos.get() : System.nanoTime();
            double connectSeconds = (connectEnd - t0) / 1e9;
            int connected = ready.get();
            phase = "hold";
            holding = true;
            long holdEnd = System.nanoTime() + o.hold.toNanos();
            long rssPeak = rssBefore;
            while (System.nanoTime() < holdEnd) {
                sleep(50);
                if (o.brokerPid > 0) {
                    rssPeak = Math.max(rssPeak, ProcInfo.rssKb(o.brokerPid));
                }
            }
            holding = false;
            long rssAfter = o.brokerPid > 0 ? ProcInfo.rssKb(o.brokerPid) : -1;
            long held = stats.connectedNow.get();
            phase = "close";
            for (LoopContext loop : transport.loops()) {
                onLoop(loop, () -> {
                    for (MqttClient c : new ArrayList<>(loop.clients())) {
                        c.disconnect();
                    }
                });
            }
            long closeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < closeDeadline && !allClosed(transport)) {
                sleep(20);
            }
            progress.close();
            latency.poll();
            r.measuredSeconds = connectSeconds;
            r.clients = o.connections;
            r.connected = stats.connected.sum();
            r.connectFailures = stats.connectFailures.sum();
            r.connectionsLost = stats.connectionsLost.sum();
            r.connectLatency = LatencySummary.of(latency.connectLatency());
            r.extra.put("connections_target", o.connections);
            r.extra.put("connections_ready", connected);
            r.extra.put("connections_held", held);
            r.extra.put("gave_up", givenUp.get());
            r.extra.put("connect_seconds", connectSeconds);
            r.extra.put("connect_rate_per_second", connectSeconds > 0 ? connected / connectSeconds : 0);
            r.extra.put("lost_during_hold", lostDuringHold.get());
            if (o.brokerPid > 0) {
                r.extra.put("broker_pid", o.brokerPid);
                r.extra.put("broker_rss_before_kb", rssBefore);
                r.extra.put("broker_rss_after_kb", rssAfter);
                r.extra.put("broker_rss_peak_kb", rssPeak);
                if (rssBefore > 0 && rssAfter > 0 && held > 0) {
                    r.extra.put("rss_per_connection_bytes", (rssAfter - rssBefore) * 1024.0 / held);
                }
            }
            if (connected < o.connections) {
                r.error = (o.connections - connected) + " of " + o.connections + " connections did not come up";
            }
        }
        return r;
    }

    private static boolean allClosed(Transport transport) {
        boolean[] all = {true};
        for (LoopContext loop : transport.loops()) {
            onLoop(loop, () -> {
                for (MqttClient c : loop.clients()) {
                    if (c.state() != MqttClient.State.CLOSED && c.state() != MqttClient.State.NEW) {
                        all[0] = false;
                        return;
                    }
                }
            });
        }
        return all[0];
    }

    private void ready(IdleClient c) {
        ready.incrementAndGet();
        lastReadyNanos.set(System.nanoTime());
    }

    @Override
    public void connected(MqttClient client, boolean sessionPresent, long connectNanos, boolean reconnect) {
        stats.connected.increment();
        stats.connectedNow.incrementAndGet();
        stats.recordConnect(connectNanos);
    }

    @Override
    public void connectFailed(MqttClient client, String reason, boolean gaveUp) {
        stats.connectFailures.increment();
        if (gaveUp) {
            if (givenUp.incrementAndGet() <= 5 && o.progress != null) {
                o.progress.println("event=connect_failed client_id=" + client.clientId() + " reason=\"" + reason + "\"");
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
        stats.connectedNow.decrementAndGet();
        if (holding) {
            lostDuringHold.incrementAndGet();
        }
        if (stats.connectionsLost.sum() <= 5 && o.progress != null) {
            o.progress.println("event=connection_lost client_id=" + client.clientId() + " reason=\"" + reason + "\"");
        }
    }

    private String progressLine(long elapsedMillis) {
        long now = stats.connectedNow.get();
        long total = stats.connected.sum();
        long delta = total - lastConnected;
        lastConnected = total;
        String rss = o.brokerPid > 0 ? String.format(Locale.ROOT, "  broker rss %,d MB", Math.max(0, ProcInfo.rssKb(o.brokerPid)) / 1024) : "";
        return String.format(Locale.ROOT, "[%5.1fs] %-6s connected %,d/%,d  (+%,d/s)  failures %,d  lost %,d%s",
                elapsedMillis / 1000.0, phase, now, o.connections, delta, stats.connectFailures.sum(),
                stats.connectionsLost.sum(), rss);
    }

    private static void onLoop(LoopContext loop, Runnable task) {
        try {
            loop.loop().submit(task).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("event loop task failed: " + e, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
