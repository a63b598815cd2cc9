package io.mqttcluster.broker.metrics;

import io.mqttcluster.broker.mqtt.Refusal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The broker's MQTT-level meters, with Prometheus names (units, {@code _total} counters) and no per-client
 * labels. Counters are looked up once and kept in fields so the message path only increments them.
 * Thread-safe.
 */
public final class BrokerMetrics {

    /** Why a message was not delivered to a subscriber or not accepted from a publisher. */
    public enum DropReason {
        QUEUE_FULL, SLOW_CONSUMER, TOO_LARGE, NOT_AUTHORIZED, EXPIRED, DOLLAR_TOPIC, NO_SHARED_MEMBER, PAYLOAD_FORMAT_INVALID;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Counter[] received = new Counter[3];
    private final Counter[] delivered = new Counter[3];
    private final Counter[] dropped = new Counter[DropReason.values().length];
    private final Map<String, Counter> closed = new ConcurrentHashMap<>();
    private final Map<String, Counter> disconnects = new ConcurrentHashMap<>();
    private final Map<String, Counter> connects = new ConcurrentHashMap<>();
    /**
     * What the function counters read: Micrometer holds a FunctionCounter's state object weakly, so a lambda
     * nobody else references would be collected and its counter vanish from /metrics at the next GC.
     */
    private final java.util.List<Object> functionCounterStates = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Counter takeovers;
    private final Counter willsPublished;
    private final Counter forwardedOut;
    private final Counter forwardedIn;
    private final Timer latency;
    private final Timer connectLatency;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong[] byProtocol = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
    private final Map<String, Counter> authFailures = new ConcurrentHashMap<>();
    private final Counter subscribeDenied;
    private final Counter subscriptionsRevoked;
    private final Counter sessionsExpired;
    private final Counter qos2ResendSkipped;
    private final Counter queueResyncs;
    private final Counter storeRetries;
    private final Counter pauses;
    private final Counter inboundPauses;

    public BrokerMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (int q = 0; q < 3; q++) {
            received[q] = Counter.builder("mqtt.messages.received").description("PUBLISH packets received from clients")
                    .tag("qos", String.valueOf(q)).register(registry);
            delivered[q] = Counter.builder("mqtt.messages.delivered").description("PUBLISH packets sent to subscribers")
                    .tag("qos", String.valueOf(q)).register(registry);
        }
        for (DropReason r : DropReason.values()) {
            dropped[r.ordinal()] = Counter.builder("mqtt.messages.dropped").description("Messages dropped, by reason")
                    .tag("reason", r.label()).register(registry);
        }
        takeovers = Counter.builder("mqtt.takeovers").description("Connections closed because the same client id connected again")
                .register(registry);
        willsPublished = Counter.builder("mqtt.wills.published").description("Last-will messages published").register(registry);
        forwardedOut = Counter.builder("mqtt.cluster.forwarded").description("Messages forwarded between nodes")
                .tag("direction", "out").register(registry);
        forwardedIn = Counter.builder("mqtt.cluster.forwarded").description("Messages forwarded between nodes")
                .tag("direction", "in").register(registry);
        latency = Timer.builder("mqtt.publish.latency").description("From a publish arriving at the broker to its delivery being written to a subscriber")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        connectLatency = Timer.builder("mqtt.connect.latency")
                .description("From a CONNECT arriving to its CONNACK (accepted): authentication, the session claim, a takeover")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        for (int level = 3; level <= 5; level++) {
            AtomicLong n = byProtocol[level - 3];
            Gauge.builder("mqtt.connections", n, AtomicLong::get).description("Open MQTT connections on this node, by protocol level")
                    .tag("protocol", protocolLabel(level)).register(registry);
        }
        for (String reason : new String[]{"bad_credentials", "not_authorized", "server_busy"}) {
            authFailures.put(reason, Counter.builder("mqtt.auth.failures")
                    .description("CONNECTs refused by authentication, by reason").tag("reason", reason).register(registry));
        }
        subscribeDenied = Counter.builder("mqtt.subscriptions.denied")
                .description("Topic filters of SUBSCRIBE packets refused by the ACL").register(registry);
        subscriptionsRevoked = Counter.builder("mqtt.subscriptions.revoked")
                .description("Subscriptions removed because reloaded rules no longer allow them").register(registry);
        inboundPauses = Counter.builder("mqtt.inbound.paused")
                .description("Times reading from a client stopped because its publishes waiting for the store passed mqtt.max-inbound-pending-bytes")
                .register(registry);
        pauses = Counter.builder("mqtt.node.pauses")
                .description("Times this node's process stood still long enough for the others to remove it (it then fences itself)")
                .register(registry);
        sessionsExpired = Counter.builder("mqtt.sessions.expired")
                .description("Persistent sessions removed because their expiry interval passed while offline").register(registry);
        qos2ResendSkipped = Counter.builder("mqtt.qos2.resends.skipped")
                .description("QoS 2 messages re-sent by a publisher after a crash that this node had delivered already (not delivered again)")
                .register(registry);
        queueResyncs = Counter.builder("mqtt.session.queue.resyncs")
                .description("Times a connected persistent session re-read its stored queue because a message it was told about was missing")
                .register(registry);
        storeRetries = Counter.builder("mqtt.store.retries")
                .description("Store writes done again because the cluster could not tell whether they were applied (a node died under them)")
                .register(registry);
        // make the common label values visible before the first event
        for (String result : new String[]{"accepted", "refused"}) {
            connects.computeIfAbsent(result, r -> Counter.builder("mqtt.connects")
                    .description("CONNECT packets by result").tag("result", r).register(registry));
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    public void gauge(String name, String description, String tagKey, String tagValue, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).tag(tagKey, tagValue).register(registry);
    }

    /** A counter of bytes whose value is read from somewhere else (the pipeline's byte counters). */
    public void byteCounter(String name, String description, java.util.function.Supplier<Number> value) {
        functionCounterStates.add(value);
        io.micrometer.core.instrument.FunctionCounter.builder(name, value, v -> v.get().doubleValue())
                .description(description).baseUnit("bytes").register(registry);
    }

    /** A counter whose value is read from somewhere else. */
    public void counter(String name, String description, java.util.function.Supplier<Number> value) {
        functionCounterStates.add(value);
        io.micrometer.core.instrument.FunctionCounter.builder(name, value, v -> v.get().doubleValue())
                .description(description).register(registry);
    }

    public void authFailure(Refusal refusal) {
        String reason = switch (refusal) {
            case BAD_CREDENTIALS -> "bad_credentials";
            case SERVER_BUSY -> "server_busy";
            default -> "not_authorized";
        };
        authFailures.get(reason).increment();
    }

    public void subscribeDenied() {
        subscribeDenied.increment();
    }

    public void subscriptionsRevoked(int n) {
        subscriptionsRevoked.increment(n);
    }

    public void received(int qos) {
        received[qos].increment();
    }

    public void delivered(int qos, long createdAtMillis) {
        delivered[qos].increment();
        if (createdAtMillis > 0) {
            long ms = System.currentTimeMillis() - createdAtMillis;
            latency.record(Math.max(0, ms), TimeUnit.MILLISECONDS);
        }
    }

    public void dropped(DropReason reason) {
        dropped[reason.ordinal()].increment();
    }

    public void dropped(DropReason reason, int count) {
        dropped[reason.ordinal()].increment(count);
    }

    /** "3.1", "3.1.1" or "5.0" for protocol level 3, 4 or 5. */
    public static String protocolLabel(int level) {
        return level == 3 ? "3.1" : level == 4 ? "3.1.1" : "5.0";
    }

    public void connectionOpened(int protocolLevel) {
        connections.incrementAndGet();
        byProtocol[Math.max(3, Math.min(5, protocolLevel)) - 3].incrementAndGet();
    }

    public void connectionClosed(String reason, int protocolLevel) {
        connections.decrementAndGet();
        byProtocol[Math.max(3, Math.min(5, protocolLevel)) - 3].decrementAndGet();
        closed.computeIfAbsent(reason, r -> Counter.builder("mqtt.connections.closed")
                .description("Connections closed, by reason").tag("reason", r).register(registry)).increment();
    }

    /** An MQTT 5 DISCONNECT the broker sent before closing, by reason code. */
    public void disconnectSent(int reasonCode) {
        String reason = io.mqttcluster.broker.mqtt.ReasonCode.name(reasonCode);
        disconnects.computeIfAbsent(reason, r -> Counter.builder("mqtt.disconnects.sent")
                .description("MQTT 5 DISCONNECT packets sent to clients before closing, by reason").tag("reason", r)
                .register(registry)).increment();
    }

    public long connections() {
        return connections.get();
    }

    public void connect(String result) {
        connects.computeIfAbsent(result, r -> Counter.builder("mqtt.connects")
                .description("CONNECT packets by result").tag("result", r).register(registry)).increment();
    }

    public void takeover() {
        takeovers.increment();
    }

    public void willPublished() {
        willsPublished.increment();
    }

    public void inboundPaused() {
        inboundPauses.increment();
    }

    public void paused() {
        pauses.increment();
    }

    public void sessionsExpired(int n) {
        sessionsExpired.increment(n);
    }

    public void qos2ResendSkipped() {
        qos2ResendSkipped.increment();
    }

    public void storeRetry() {
        storeRetries.increment();
    }

    public void queueResync() {
        queueResyncs.increment();
    }

    public void forwardedOut(int n) {
        forwardedOut.increment(n);
    }

    public void forwardedIn(int n) {
        forwardedIn.increment(n);
    }

    /** Total messages received over all QoS levels (for $SYS). */
    public double receivedTotal() {
        return received[0].count() + received[1].count() + received[2].count();
    }

    public double deliveredTotal() {
        return delivered[0].count() + delivered[1].count() + delivered[2].count();
    }

    public double droppedTotal() {
        double n = 0;
        for (Counter c : dropped) {
            n += c.count();
        }
        return n;
    }

    /** An accepted CONNECT took this long until its CONNACK. */
    public void connectLatency(long nanos) {
        connectLatency.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }
}
