package io.mqttcluster.broker;

import io.mqttcluster.cluster.message.Message;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Publishes this node's status under {@code $SYS/broker/<node>/...} every {@code sys.interval}, retained,
 * so a subscriber to {@code $SYS/#} sees the latest values at once. {@code $}-topics are never matched by a
 * filter starting with a wildcard, so {@code #} subscribers do not get them [MQTT-4.7.2-1].
 *
 * <p>Topics: {@code version}, {@code uptime} (seconds), {@code clients/connected},
 * {@code messages/received}, {@code messages/sent}, {@code messages/dropped}, {@code cluster/members}.
 * Runs on the node's system context.
 */
public final class SysTopics {

    private final Broker broker;
    private final String version;
    private final long startedAt = System.currentTimeMillis();
    private long timer = -1;

    public SysTopics(Broker broker, String version) {
        this.broker = broker;
        this.version = version;
    }

    public void start(long intervalMillis) {
        if (intervalMillis <= 0) {
            return;
        }
        broker.systemContext().runOnContext(v -> {
            publish();
            timer = broker.vertx().setPeriodic(intervalMillis, t -> broker.systemContext().runOnContext(x -> publish()));
        });
    }

    public void stop() {
        if (timer >= 0) {
            broker.vertx().cancelTimer(timer);
        }
    }

    /** The topics and their current values. */
    public Map<String, String> values() {
        String prefix = "$SYS/broker/" + broker.cluster().nodeName() + "/";
        Map<String, String> v = new LinkedHashMap<>();
        v.put(prefix + "version", "mqtt-cluster " + version);
        v.put(prefix + "uptime", String.valueOf((System.currentTimeMillis() - startedAt) / 1000));
        v.put(prefix + "clients/connected", String.valueOf(broker.sessions().connectedCount()));
        v.put(prefix + "messages/received", String.valueOf((long) broker.metrics().receivedTotal()));
        v.put(prefix + "messages/sent", String.valueOf((long) broker.metrics().deliveredTotal()));
        v.put(prefix + "messages/dropped", String.valueOf((long) broker.metrics().droppedTotal()));
        v.put(prefix + "cluster/members", String.valueOf(broker.cluster().memberCount()));
        return v;
    }

    private void publish() {
        if (!broker.state().hasQuorum()) {
            return;
        }
        for (Map.Entry<String, String> e : values().entrySet()) {
            Message m = new Message(broker.messageIds().high(), broker.messageIds().nextLow(), e.getKey(),
                    e.getValue().getBytes(StandardCharsets.UTF_8), 0, true, "$SYS", System.currentTimeMillis(), null);
            broker.router().accept(m, "$SYS", false, broker.systemContext())
                    .onSuccess(p -> broker.router().dispatch(p, broker.systemContext()));
        }
    }
}
