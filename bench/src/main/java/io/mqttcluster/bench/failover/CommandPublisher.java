package io.mqttcluster.bench.failover;

import io.mqttcluster.bench.client.BlockingConnection;

import java.nio.charset.StandardCharsets;

/**
 * Sends one QoS 1 command to the whole fleet every interval ({@code cmd 1}, {@code cmd 2}, ...) on a clean
 * session through the gateway, on its own thread; PUBACKs are read on a second thread and not awaited. Reconnects
 * 50 ms after a failure, for as long as the run goes on.
 */
final class CommandPublisher implements Runnable {
    private final String host;
    private final int port;
    private final String id;
    private final long intervalMillis;
    private final FailoverRecord record;

    CommandPublisher(String host, int port, String id, long intervalMillis, FailoverRecord record) {
        this.host = host;
        this.port = port;
        this.id = id;
        this.intervalMillis = intervalMillis;
        this.record = record;
    }

    @Override
    public void run() {
        int packetId = 1;
        while (!record.stop) {
            try (BlockingConnection c = BlockingConnection.open(host, port, null)) {
                c.sendConnect(id, true);
                c.read(); // CONNACK
                Thread acks = new Thread(() -> {
                    try {
                        while (true) {
                            c.read(); // PUBACKs, not awaited
                        }
                    } catch (java.io.IOException closed) {
                        // the loop below notices on its next write
                    }
                }, "publisher-acks");
                acks.setDaemon(true);
                acks.start();
                while (!record.stop) {
                    byte[] command = ("cmd " + record.published.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
                    c.sendPublish(FleetDevice.COMMAND_TOPIC, 1, packetId, command);
                    packetId = packetId % 65535 + 1;
                    Thread.sleep(intervalMillis);
                }
            } catch (Exception e) {
                FleetDevice.sleep(50);
            }
        }
    }
}
