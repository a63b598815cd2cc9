package io.mqttcluster.broker.connection;

import io.netty.channel.EventLoop;

import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The CONNECT deadline and the keepalive of every connection on one event loop, checked by one task per
 * second instead of a timer per connection: a connection only notes when it last read something, and the
 * sweep closes the ones past their deadline. (A timer handler per connection costs about 300 bytes; a
 * fleet node holds tens of thousands of mostly idle connections.)
 *
 * <p>Thread: the event loop it belongs to.
 */
final class KeepAlive {

    private static final long SWEEP_MS = 1000;

    private final ArrayList<MqttConnection> connections = new ArrayList<>();
    private final EventLoop loop;
    private boolean scheduled;

    KeepAlive(EventLoop loop) {
        this.loop = loop;
    }

    void add(MqttConnection c) {
        connections.add(c);
        if (!scheduled) {
            scheduled = true;
            loop.scheduleAtFixedRate(this::sweep, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        int kept = 0;
        int n = connections.size();
        for (int i = 0; i < n; i++) {
            MqttConnection c = connections.get(i);
            if (c.isClosed()) {
                continue; // forgotten here
            }
            if (c.expired(now)) {
                c.timedOut();
                continue;
            }
            connections.set(kept++, c);
        }
        for (int i = n - 1; i >= kept; i--) {
            connections.remove(i);
        }
    }
}
