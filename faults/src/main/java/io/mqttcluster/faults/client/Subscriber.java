package io.mqttcluster.faults.client;

import io.mqttcluster.faults.history.Event;
import io.mqttcluster.faults.history.History;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A subscriber that answers like a real client and records every PUBLISH it receives. QoS 2 follows MQTT 3.1.1
 * 4.3.3 method B: a PUBLISH whose packet id is not awaiting PUBREL is a new message, handed to the application
 * (recorded {@code fresh}) and remembered; one whose id is still awaiting PUBREL is the same message again
 * (recorded, not fresh). A persistent subscriber keeps that state and its subscriptions across reconnects while
 * CONNACK says session present; a clean one starts over and subscribes again on every connection.
 */
public final class Subscriber extends MqttTestClient {

    /** One topic filter and the QoS asked for it. */
    public record Subscription(String filter, int qos) {
    }

    private final List<Subscription> subscriptions;
    /** Packet id -> message key, for QoS 2 messages answered with PUBREC and not yet released. */
    private final Map<Integer, String> awaitingRelease = new HashMap<>();
    private int epoch;
    private boolean subscribed;
    private int subscribeConn = -1;
    private long subscribeSentAt;
    private int nextPid = 1;
    private volatile long lastFresh = -1;
    private volatile long received;

    public Subscriber(String id, boolean clean, List<Subscription> subscriptions, String group, List<Endpoint> endpoints,
                      int home, History history, ClientSettings settings) {
        super(id, clean, endpoints, home, history, settings);
        this.subscriptions = List.copyOf(subscriptions);
        String filters = subscriptions.stream().map(s -> s.filter() + "@" + s.qos()).collect(Collectors.joining(";"));
        history.add(new Event.ClientDecl(history.now(), id, "sub", clean, 0, filters, group == null ? "" : group));
    }

    /** Run-clock time of the last message handed to the application, or -1. */
    public long lastFresh() {
        return lastFresh;
    }

    public long received() {
        return received;
    }

    @Override
    protected void onConnected(int conn, boolean sessionPresent) throws IOException {
        if (clean) {
            awaitingRelease.clear();
            subscribed = false;
        } else if (!sessionPresent) {
            if (epoch > 0) {
                history.note("session_lost", id, "conn=" + conn + ",awaiting_pubrel=" + awaitingRelease.size());
            }
            // [MQTT-3.2.2-4]-style: the client discards its own session state when the server has none
            awaitingRelease.clear();
            subscribed = false;
            epoch++;
            history.add(new Event.SessionEpoch(history.now(), id, epoch, conn));
        }
        if (!subscribed) {
            subscribeConn = conn;
            subscribeSentAt = history.now();
            int pid = nextPid;
            nextPid = nextPid % 65535 + 1;
            send(MqttCodec.subscribe(pid, subscriptions.stream().map(Subscription::filter).toList(),
                    subscriptions.stream().map(Subscription::qos).toList()));
        }
    }

    @Override
    protected void onLost(int conn) {
        if (clean) {
            awaitingRelease.clear();
        }
        subscribeConn = -1;
    }

    @Override
    protected void onPacket(int conn, Packet p, long t) throws IOException {
        switch (p.type()) {
            case Packet.PUBLISH -> onPublish(conn, p, t);
            case Packet.PUBREL -> {
                awaitingRelease.remove(p.packetId());
                send(MqttCodec.pubcomp(p.packetId()));
            }
            case Packet.SUBACK -> {
                int[] codes = p.subackCodes();
                for (int i = 0; i < subscriptions.size(); i++) {
                    int code = i < codes.length ? codes[i] : 0x80;
                    history.add(new Event.Suback(t, id, conn, subscriptions.get(i).filter(), code));
                }
                subscribed = true;
                subscribeConn = -1;
            }
            default -> history.note("unexpected_packet", id, "conn=" + conn + ",type=" + p.type());
        }
    }

    private void onPublish(int conn, Packet p, long t) throws IOException {
        Payload m = Payload.decode(p.payload());
        int qos = p.qos();
        int pid = p.publishPacketId();
        if (m == null || !p.topic().equals(Publisher.topicOf(m.publisher()))) {
            history.note("foreign_message", id, "conn=" + conn + ",topic=" + p.topic() + ",qos=" + qos);
        } else {
            boolean fresh = true;
            boolean collision = false;
            if (qos == 2) {
                String pending = awaitingRelease.get(pid);
                if (pending == null) {
                    awaitingRelease.put(pid, m.key());
                } else {
                    fresh = false;
                    collision = !pending.equals(m.key());
                }
            }
            history.add(new Event.Received(t, id, conn, clean ? 0 : epoch, m.publisher().intern(), m.seq(), qos, pid, p.dup(),
                    fresh, collision));
            received++;
            if (fresh) {
                lastFresh = t;
            }
        }
        if (qos == 1) {
            send(MqttCodec.puback(pid));
        } else if (qos == 2) {
            send(MqttCodec.pubrec(pid));
        }
    }

    @Override
    protected void tick(int conn, long now) {
        if (subscribeConn == conn && now - subscribeSentAt > settings.subackTimeoutMs() * 1000) {
            history.note("suback_timeout", id, "conn=" + conn);
            loseConnection("suback-timeout");
        }
    }
}
