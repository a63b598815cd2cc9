package io.mqttcluster.bench.load;

import io.mqttcluster.bench.client.ClientConfig;
import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.client.LoopContext;
import io.mqttcluster.bench.client.MqttClient;
import io.mqttcluster.bench.codec.MqttWriter;
import io.mqttcluster.bench.codec.PacketType;
import io.mqttcluster.bench.measure.Clock;
import io.mqttcluster.bench.measure.Payload;
import io.mqttcluster.bench.measure.Receiver;
import io.mqttcluster.bench.measure.RunStats;
import io.mqttcluster.bench.measure.SeqTracker;
import io.netty.buffer.ByteBuf;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * A client that subscribes to filters and checks what arrives: every payload's publisher and sequence number go to
 * its {@link Receiver} (its own, or its shared group's) to tell first receipts from duplicates; arrivals below the
 * highest sequence number this member has seen from that publisher are out of order; first receipts give the
 * latency and return a unit of the closed-loop window. QoS 1 is acknowledged at once; QoS 2 follows the
 * exactly-once receiver flow (a PUBLISH repeated before PUBREL is not a new message). Touched only on its loop.
 */
public final class Subscriber extends MqttClient {
    private final String[] filters;
    private final int qos;
    private final Receiver receiver;
    private final RunStats stats;
    private final Window window;
    private final BiConsumer<Subscriber, Boolean> onSubscribed;
    private final long[] qos2Pending = new long[1024]; // one bit per incoming packet id awaiting PUBREL
    private long[] maxSeen = new long[0];
    private int subscribePacketId = 1;
    private boolean subscribed;
    private long received;
    private long publishPackets;
    private long pubrelPackets;
    private int awaitingPubrel;

    /**
     * @param onSubscribed called once per SUBACK with true when every filter was granted
     */
    public Subscriber(ClientConfig config, LoopContext loop, String clientId, Endpoint endpoint, boolean cleanSession,
                      String[] filters, int qos, Receiver receiver, RunStats stats, Window window,
                      BiConsumer<Subscriber, Boolean> onSubscribed) {
        super(config, loop, clientId, endpoint, cleanSession);
        this.filters = filters.clone();
        this.qos = qos;
        this.receiver = receiver;
        this.stats = stats;
        this.window = window;
        this.onSubscribed = onSubscribed;
    }

    public Receiver receiver() {
        return receiver;
    }

    public boolean subscribed() {
        return subscribed;
    }

    /** Messages (with a bench header) this subscriber got, duplicates included. */
    public long receivedCount() {
        return received;
    }

    /** A one-line account of this subscriber's protocol state, for diagnosing stalls. Call on its loop. */
    public String describeState() {
        return clientId() + " " + state() + " publish_packets=" + publishPackets + " received=" + received
                + " pubrel_packets=" + pubrelPackets + " awaiting_pubrel=" + awaitingPubrel;
    }

    @Override
    protected void onReady(boolean sessionPresent, boolean reconnect) {
        if (!sessionPresent) {
            Arrays.fill(qos2Pending, 0L); // no session state survived: no PUBREL will come for these
            awaitingPubrel = 0;
        }
        if (reconnect && sessionPresent && subscribed) {
            onSubscribed.accept(this, true); // the broker kept the subscription
            return;
        }
        send(MqttWriter.subscribe(alloc(), config.version, subscribePacketId, filters, qos));
    }

    @Override
    public void onSubAck(int packetId, ByteBuf returnCodes) {
        boolean ok = returnCodes.readableBytes() == filters.length;
        for (int i = returnCodes.readerIndex(); i < returnCodes.writerIndex(); i++) {
            if (returnCodes.getUnsignedByte(i) >= 0x80) {
                ok = false;
            }
        }
        if (!ok) {
            stats.subscribeFailures.increment();
        }
        subscribed = subscribed || ok;
        subscribePacketId = subscribePacketId == 65535 ? 1 : subscribePacketId + 1;
        onSubscribed.accept(this, ok);
    }

    @Override
    public void onPublish(int msgQos, boolean dup, boolean retain, int packetId, ByteBuf topic, ByteBuf payload) {
        publishPackets++;
        if (msgQos == 1) {
            send(MqttWriter.ack(alloc(), PacketType.PUBACK, packetId));
        } else if (msgQos == 2) {
            send(MqttWriter.ack(alloc(), PacketType.PUBREC, packetId));
            int word = packetId >>> 6;
            long bit = 1L << (packetId & 63);
            if ((qos2Pending[word] & bit) != 0) {
                return; // the same QoS 2 message again before PUBREL: not a new delivery [MQTT-4.3.3-2]
            }
            qos2Pending[word] |= bit;
            awaitingPubrel++;
        }
        deliver(payload);
    }

    @Override
    public void onPubRel(int packetId) {
        pubrelPackets++;
        long bit = 1L << (packetId & 63);
        if ((qos2Pending[packetId >>> 6] & bit) != 0) {
            qos2Pending[packetId >>> 6] &= ~bit;
            awaitingPubrel--;
        }
        send(MqttWriter.ack(alloc(), PacketType.PUBCOMP, packetId));
    }

    private void deliver(ByteBuf payload) {
        long now = Clock.now();
        if (!Payload.isBench(payload)) {
            stats.foreign.increment();
            return;
        }
        int publisher = Payload.publisher(payload);
        long seq = Payload.sequence(payload);
        long sentAt = Payload.sentNanos(payload);
        received++;
        stats.received.increment();
        if (stats.inWindow(now)) {
            stats.receivedMeasured.increment();
        }
        int r = receiver.mark(publisher, seq);
        if (r == SeqTracker.DUPLICATE) {
            stats.duplicates.increment();
            return;
        }
        if (r == SeqTracker.INVALID) {
            stats.foreign.increment();
            return;
        }
        stats.firstReceipts.increment();
        if (window != null) {
            window.release(1);
        }
        if (publisher >= maxSeen.length) {
            int old = maxSeen.length;
            maxSeen = Arrays.copyOf(maxSeen, Math.max(publisher + 1, old * 2));
            Arrays.fill(maxSeen, old, maxSeen.length, -1L);
        }
        if (seq < maxSeen[publisher]) {
            receiver.outOfOrder(publisher);
            stats.outOfOrder.increment();
        } else {
            maxSeen[publisher] = seq;
        }
        stats.recordLatency(sentAt, now);
    }
}
