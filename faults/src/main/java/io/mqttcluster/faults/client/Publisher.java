package io.mqttcluster.faults.client;

import io.mqttcluster.faults.history.Event;
import io.mqttcluster.faults.history.History;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A publisher of numbered messages at one QoS to its own topic, at a steady rate with up to
 * {@code settings.window} messages in flight. After a lost connection a persistent one (clean session 0)
 * re-sends every unacknowledged PUBLISH with DUP=1 and its original packet id and every PUBREL not yet
 * completed, in their original order (MQTT 3.1.1 4.4); a clean one gives its unacknowledged messages up.
 * QoS 1 counts as acknowledged at PUBACK, QoS 2 at PUBREC.
 */
public final class Publisher extends MqttTestClient {

    private enum State { SENT, RELEASING }

    private static final class InFlight {
        final long seq;
        final int pid;
        final long firstSent;
        byte[] publish;
        State state = State.SENT;
        long lastSent;

        InFlight(long seq, int pid, long firstSent) {
            this.seq = seq;
            this.pid = pid;
            this.firstSent = firstSent;
        }
    }

    private final int qos;
    private final String topic;
    private final double ratePerSecond;
    private final PacketIds ids;
    /** In flight by packet id, in the order first sent. */
    private final LinkedHashMap<Integer, InFlight> inflight = new LinkedHashMap<>();
    private long nextSeq = 1;
    private double tokens;
    private long lastRefill = -1;
    private int epoch;
    private volatile boolean publishing = true;
    private volatile int inFlightCount;
    private volatile long acknowledged;

    public Publisher(String id, boolean clean, int qos, double ratePerSecond, List<Endpoint> endpoints, int home,
                     History history, ClientSettings settings) {
        super(id, clean, endpoints, home, history, settings);
        if (qos < 1 || qos > 2) {
            throw new IllegalArgumentException("publishers publish at QoS 1 or 2");
        }
        this.qos = qos;
        this.topic = topicOf(id);
        this.ratePerSecond = ratePerSecond;
        this.ids = new PacketIds(settings.packetIdSpace());
        history.add(new Event.ClientDecl(history.now(), id, "pub", clean, qos, topic + "@" + qos, ""));
    }

    /** The topic of publisher {@code id}. */
    public static String topicOf(String id) {
        return "h/" + id + "/t";
    }

    /** Stops sending new messages; in-flight ones still complete. */
    public void stopPublishing() {
        publishing = false;
    }

    /** Messages sent and not yet acknowledged (or, at QoS 2, not yet completed). */
    public int inFlight() {
        return inFlightCount;
    }

    public long acknowledged() {
        return acknowledged;
    }

    @Override
    protected void onConnected(int conn, boolean sessionPresent) throws IOException {
        if (!clean && !sessionPresent) {
            if (epoch > 0) {
                history.note("session_lost", id, "conn=" + conn + ",in_flight=" + inflight.size());
                giveUp("session-lost");
            }
            epoch++;
            history.add(new Event.SessionEpoch(history.now(), id, epoch, conn));
        }
        if (clean) {
            giveUp("clean-session");
            return;
        }
        // [MQTT-4.4.0-1] re-send unacknowledged PUBLISH (DUP=1, same packet id) and PUBREL, in order
        for (InFlight f : inflight.values()) {
            long now = history.now();
            f.lastSent = now;
            if (f.state == State.SENT) {
                byte[] again = f.publish.clone();
                again[0] |= 0x08;
                history.add(new Event.Sent(now, id, conn, f.seq, qos, f.pid, true));
                send(again);
            } else {
                send(MqttCodec.pubrel(f.pid));
            }
        }
    }

    /** Forgets every message in flight: never acknowledged ones are abandoned, released ones are done. */
    private void giveUp(String reason) {
        long now = history.now();
        for (InFlight f : inflight.values()) {
            if (f.state == State.SENT) {
                history.add(new Event.Abandoned(now, id, f.seq, reason));
            }
        }
        inflight.clear();
        ids.clear();
        inFlightCount = 0;
    }

    @Override
    protected void onLost(int conn) {
        // a clean session ends with its connection: nothing is re-sent (onConnected gives the messages up)
    }

    @Override
    protected void onPacket(int conn, Packet p, long t) throws IOException {
        switch (p.type()) {
            case Packet.PUBACK -> {
                InFlight f = inflight.get(p.packetId());
                if (f == null || qos != 1) {
                    history.note("unexpected_ack", id, "conn=" + conn + ",type=PUBACK,pid=" + p.packetId());
                    return;
                }
                history.add(new Event.Acked(t, id, conn, f.seq, f.pid));
                acknowledged++;
                done(f);
            }
            case Packet.PUBREC -> {
                InFlight f = inflight.get(p.packetId());
                if (f == null || qos != 2) {
                    history.note("unexpected_ack", id, "conn=" + conn + ",type=PUBREC,pid=" + p.packetId());
                    send(MqttCodec.pubrel(p.packetId())); // [MQTT-4.3.3-?] let the broker finish its flow
                    return;
                }
                if (f.state == State.SENT) {
                    history.add(new Event.Acked(t, id, conn, f.seq, f.pid));
                    acknowledged++;
                    f.state = State.RELEASING;
                    f.publish = null;
                }
                f.lastSent = history.now();
                send(MqttCodec.pubrel(f.pid));
            }
            case Packet.PUBCOMP -> {
                InFlight f = inflight.get(p.packetId());
                if (f == null || f.state != State.RELEASING) {
                    history.note("unexpected_ack", id, "conn=" + conn + ",type=PUBCOMP,pid=" + p.packetId());
                    return;
                }
                history.add(new Event.Completed(t, id, conn, f.seq, f.pid));
                done(f);
            }
            default -> history.note("unexpected_packet", id, "conn=" + conn + ",type=" + p.type());
        }
    }

    private void done(InFlight f) {
        inflight.remove(f.pid);
        ids.release(f.pid);
        inFlightCount = inflight.size();
    }

    @Override
    protected void tick(int conn, long now) throws IOException {
        if (lastRefill < 0) {
            lastRefill = now;
        }
        tokens = Math.min(settings.window(), tokens + (now - lastRefill) / 1e6 * ratePerSecond);
        lastRefill = now;
        if (!inflight.isEmpty()) {
            InFlight oldest = inflight.values().iterator().next();
            if (now - oldest.lastSent > settings.ackTimeoutMs() * 1000) {
                history.note("ack_timeout", id, "conn=" + conn + ",seq=" + oldest.seq + ",pid=" + oldest.pid
                        + ",state=" + oldest.state);
                loseConnection("ack-timeout");
                return;
            }
        }
        while (publishing && tokens >= 1 && inflight.size() < settings.window()) {
            int pid = ids.take();
            if (pid < 0) {
                return;
            }
            tokens -= 1;
            long seq = nextSeq++;
            long sent = history.now();
            InFlight f = new InFlight(seq, pid, sent);
            f.publish = MqttCodec.publish(topic, new Payload(id, seq, qos, sent).encode(), qos, false, pid);
            f.lastSent = sent;
            inflight.put(pid, f);
            inFlightCount = inflight.size();
            history.add(new Event.Sent(sent, id, conn, seq, qos, pid, false));
            send(f.publish);
        }
    }
}
