package io.mqttcluster.bench.load;

import io.mqttcluster.bench.client.ClientConfig;
import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.client.LoopContext;
import io.mqttcluster.bench.client.MqttClient;
import io.mqttcluster.bench.codec.MqttWriter;
import io.mqttcluster.bench.codec.PacketType;
import io.mqttcluster.bench.measure.Clock;
import io.mqttcluster.bench.measure.Payload;
import io.mqttcluster.bench.measure.RunStats;
import io.netty.buffer.ByteBuf;

/**
 * A client that publishes numbered messages to one topic, driven by its loop's {@link SendLoop}. For QoS 1/2 it
 * keeps at most {@code maxInflight} messages unacknowledged, in slots whose index is the packet id minus one; a
 * slot remembers the sequence number and send time, so after a reconnect the message is resent (DUP) with the
 * very same payload, and its latency still counts from the first send. Touched only on its loop.
 */
public final class Publisher extends MqttClient {
    private static final byte FREE = 0;
    private static final byte AWAIT_ACK = 1; // PUBACK (QoS 1) or PUBREC (QoS 2)
    private static final byte AWAIT_COMP = 2; // PUBCOMP (QoS 2)

    private final int index;
    private final byte[] topic;
    private final int qos;
    private final int payloadSize;
    private final int deliveries;
    private final long maxCount;
    private final boolean retain;
    private final RunStats stats;
    private SendLoop sendLoop;

    private long seq;
    private int inflight;
    private final int maxInflight;
    private final int[] free;
    private int freeTop;
    private final long[] slotSeq;
    private final long[] slotSentAt;
    private final byte[] slotState;
    private boolean sending;

    /**
     * @param index      publisher index written into every payload
     * @param deliveries receivers that expect each message (window units per message)
     * @param maxCount   messages to send at most (0 = no limit)
     */
    public Publisher(ClientConfig config, LoopContext loop, String clientId, Endpoint endpoint, boolean cleanSession,
                     int index, String topic, int qos, int payloadSize, int maxInflight, int deliveries,
                     long maxCount, boolean retain, RunStats stats) {
        super(config, loop, clientId, endpoint, cleanSession);
        if (payloadSize < Payload.HEADER_SIZE) {
            throw new IllegalArgumentException("payload size must be at least " + Payload.HEADER_SIZE + " bytes");
        }
        if (maxInflight < 1 || maxInflight > 65535) {
            throw new IllegalArgumentException("inflight must be 1..65535");
        }
        this.index = index;
        this.topic = MqttWriter.utf8(topic);
        this.qos = qos;
        this.payloadSize = payloadSize;
        this.deliveries = deliveries;
        this.maxCount = maxCount;
        this.retain = retain;
        this.stats = stats;
        int slots = qos == 0 ? 0 : maxInflight;
        this.maxInflight = maxInflight;
        this.free = new int[slots];
        this.slotSeq = new long[slots];
        this.slotSentAt = new long[slots];
        this.slotState = new byte[slots];
        for (int i = 0; i < slots; i++) {
            free[i] = slots - 1 - i; // pop order 0, 1, 2, ...
        }
        this.freeTop = slots;
    }

    public int index() {
        return index;
    }

    /** Messages sent so far (= the next sequence number). Read on the loop, or after the run quiesced. */
    public long sentCount() {
        return seq;
    }

    public int inflight() {
        return inflight;
    }

    /**
     * Sequence numbers the broker has not acknowledged yet (no PUBACK, or for QoS 2 no PUBREC). Read on the loop,
     * or after the run quiesced.
     */
    public long[] unacknowledged() {
        long[] out = new long[slotState.length];
        int n = 0;
        for (int i = 0; i < slotState.length; i++) {
            if (slotState[i] == AWAIT_ACK) {
                out[n++] = slotSeq[i];
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** A one-line account of this publisher's protocol state, for diagnosing stalls. Call on its loop. */
    public String describeState() {
        int awaitingComp = 0;
        for (byte st : slotState) {
            if (st == AWAIT_COMP) {
                awaitingComp++;
            }
        }
        return clientId() + " " + state() + " sent=" + seq + " inflight=" + inflight + " awaiting_pubcomp=" + awaitingComp
                + " writable=" + writable();
    }

    int deliveriesPerMessage() {
        return deliveries;
    }

    /** Attaches to a send loop (call on this client's loop). */
    public void attach(SendLoop loop) {
        this.sendLoop = loop;
        loop.add(this);
    }

    /** Lets the send loop use this publisher (call on the loop). */
    public void startSending() {
        sending = true;
        if (sendLoop != null) {
            sendLoop.schedule();
        }
    }

    public void stopSending() {
        sending = false;
    }

    /** True when all {@code maxCount} messages are sent. */
    public boolean done() {
        return maxCount > 0 && seq >= maxCount;
    }

    boolean canSend() {
        return sending && isConnected() && (qos == 0 || inflight < Math.min(maxInflight, serverReceiveMaximum()))
                && (maxCount == 0 || seq < maxCount)
                && writable();
    }

    void sendOne() {
        long now = Clock.now();
        int packetId = 0;
        if (qos > 0) {
            int slot = free[--freeTop];
            slotSeq[slot] = seq;
            slotSentAt[slot] = now;
            slotState[slot] = AWAIT_ACK;
            inflight++;
            packetId = slot + 1;
        }
        writePublish(packetId, seq, now, false);
        stats.onSent(now, deliveries, qos > 0);
        seq++;
    }

    private void writePublish(int packetId, long msgSeq, long sentAt, boolean dup) {
        ByteBuf buf = alloc().directBuffer(MqttWriter.publishSize(config.version, topic.length, qos, payloadSize));
        MqttWriter.writePublishHeader(buf, config.version, topic, qos, dup, retain, packetId, payloadSize);
        Payload.write(buf, index, msgSeq, sentAt, payloadSize);
        send(buf);
    }

    @Override
    protected void onReady(boolean sessionPresent, boolean reconnect) {
        if (reconnect && inflight > 0) {
            // Resume unacknowledged messages in packet id order: PUBLISH again (DUP), or PUBREL for QoS 2 past PUBREC.
            Integer[] order = new Integer[slotState.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Long.compare(slotSeq[a], slotSeq[b]));
            for (int slot : order) {
                if (slotState[slot] == AWAIT_ACK) {
                    writePublish(slot + 1, slotSeq[slot], slotSentAt[slot], true);
                    stats.resent.increment();
                } else if (slotState[slot] == AWAIT_COMP) {
                    send(MqttWriter.ack(alloc(), PacketType.PUBREL, slot + 1));
                }
            }
        }
        if (sendLoop != null) {
            sendLoop.schedule();
        }
    }

    @Override
    protected void onWritable() {
        if (sendLoop != null) {
            sendLoop.schedule();
        }
    }

    @Override
    public void onPubAck(int packetId, int reasonCode) {
        int slot = packetId - 1;
        if (qos != 1 || slot < 0 || slot >= slotState.length || slotState[slot] != AWAIT_ACK) {
            stats.protocolErrors.increment();
            return;
        }
        if (reasonCode >= 0x80) {
            stats.rejected.increment();
        }
        complete(slot);
    }

    @Override
    public void onPubRec(int packetId, int reasonCode) {
        int slot = packetId - 1;
        if (qos != 2 || slot < 0 || slot >= slotState.length) {
            stats.protocolErrors.increment();
            return;
        }
        if (slotState[slot] == AWAIT_COMP) {
            // a repeated PUBREC (after our reconnect): answer it again
            send(MqttWriter.ack(alloc(), PacketType.PUBREL, packetId));
            return;
        }
        if (slotState[slot] != AWAIT_ACK) {
            stats.protocolErrors.increment();
            return;
        }
        if (reasonCode >= 0x80) {
            stats.rejected.increment();
            complete(slot);
            return;
        }
        slotState[slot] = AWAIT_COMP;
        send(MqttWriter.ack(alloc(), PacketType.PUBREL, packetId));
    }

    @Override
    public void onPubComp(int packetId) {
        int slot = packetId - 1;
        if (qos != 2 || slot < 0 || slot >= slotState.length || slotState[slot] != AWAIT_COMP) {
            stats.protocolErrors.increment();
            return;
        }
        complete(slot);
    }

    private void complete(int slot) {
        stats.recordAck(slotSentAt[slot], Clock.now());
        slotState[slot] = FREE;
        free[freeTop++] = slot;
        inflight--;
        if (sendLoop != null) {
            sendLoop.schedule();
        }
    }
}
