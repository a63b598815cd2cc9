package io.mqttcluster.bench.failover;

import io.mqttcluster.bench.client.BlockingConnection;
import io.mqttcluster.bench.codec.PacketType;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One device of the fleet, on its own thread: connects with a persistent session, subscribes to the command topic
 * once, acknowledges commands, and when the connection ends reconnects after 100-300 ms (a device's delay, with
 * jitter), for as long as the run goes on. After the kill it records its reconnect and its first new command in the
 * {@link FailoverRecord}.
 */
final class FleetDevice implements Runnable {
    static final String COMMAND_TOPIC = "fleet/commands";

    private final String host;
    private final int port;
    private final String id;
    private final InetAddress source;
    private final CountDownLatch up;
    private final FailoverRecord record;

    FleetDevice(String host, int port, String id, int index, CountDownLatch up, FailoverRecord record) {
        this.host = host;
        this.port = port;
        this.id = id;
        this.source = sourceAddress(index);
        this.up = up;
        this.record = record;
    }

    /**
     * Device i connects from 127.1.(i / 250).(i % 250 + 1): a fleet connects from many addresses, and the gateway
     * limits connects per source address.
     */
    static InetAddress sourceAddress(int index) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 1, (byte) (index / 250), (byte) (index % 250 + 1)});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The number of a command payload {@code cmd <k>}, or 0 for any other payload. */
    static int commandNumber(byte[] payload) {
        String text = new String(payload, StandardCharsets.UTF_8);
        return text.startsWith("cmd ") ? Integer.parseInt(text.substring(4)) : 0;
    }

    @Override
    public void run() {
        boolean first = true;
        while (!record.stop) {
            long dialed = System.nanoTime();
            try (BlockingConnection c = BlockingConnection.open(host, port, source)) {
                long tcpUp = c.tcpConnectedNanos();
                long sent = System.nanoTime();
                if (!first && record.killed()) {
                    record.attemptsAfterKill.incrementAndGet();
                }
                c.sendConnect(id, false);
                BlockingConnection.Packet ack = c.read();
                if (ack.type() != PacketType.CONNACK || ack.returnCode() != 0) {
                    throw new IOException("refused " + ack.returnCode());
                }
                if (!first && record.killed()) {
                    record.reconnectedAt.putIfAbsent(id, System.nanoTime());
                    record.connackMillis.putIfAbsent(id, (System.nanoTime() - sent) / 1_000_000);
                    record.tcpMillis.putIfAbsent(id, (tcpUp - dialed) / 1_000_000);
                    record.sessionPresent.put(id, ack.sessionPresent());
                }
                if (first) {
                    c.sendSubscribe(1, COMMAND_TOPIC, 1);
                    c.read(); // SUBACK
                    up.countDown();
                    first = false;
                }
                while (true) {
                    BlockingConnection.Packet p = c.read();
                    if (p.type() == PacketType.PUBLISH) {
                        // only commands published after the kill count (an old connection may still hand over
                        // ones read before it)
                        if (record.killed() && commandNumber(p.payload()) > record.publishedAtKill) {
                            record.receivedAfterKill.putIfAbsent(id, System.nanoTime());
                        }
                        if (p.qos() == 1) {
                            c.sendPubAck(p.packetId());
                        }
                    }
                }
            } catch (IOException e) {
                sleep(100 + ThreadLocalRandom.current().nextInt(200)); // a device's reconnect delay, with jitter
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
