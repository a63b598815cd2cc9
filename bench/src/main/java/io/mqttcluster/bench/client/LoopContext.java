package io.mqttcluster.bench.client;

import io.netty.channel.EventLoop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Per event loop state of the bench: the clients that live on the loop, the flush batcher and the keep-alive
 * ticker. Everything here is touched only on {@link #loop()}'s thread.
 *
 * <p>Flushes are batched per event-loop turn: a client that writes marks itself dirty; the first dirty client of a
 * turn schedules one task, which runs after the loop has processed the current reads and tasks, and flushes every
 * dirty client once. So a read of 100 PUBLISH packets answered with 100 PUBACKs costs one syscall, not 100.
 */
public final class LoopContext {
    private final EventLoop loop;
    private final int index;
    private final List<MqttClient> clients = new ArrayList<>();
    private List<MqttClient> dirty = new ArrayList<>();
    private List<MqttClient> spare = new ArrayList<>();
    private boolean flushScheduled;
    private boolean keepAliveStarted;
    private final Runnable flushTask = this::flushDirty;

    LoopContext(EventLoop loop, int index) {
        this.loop = loop;
        this.index = index;
    }

    public EventLoop loop() {
        return loop;
    }

    public int index() {
        return index;
    }

    public boolean inLoop() {
        return loop.inEventLoop();
    }

    /** Runs a task on this loop: directly when already on it, else queued. */
    public void run(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    void register(MqttClient client) {
        clients.add(client);
        if (!keepAliveStarted && client.keepAliveSeconds() > 0) {
            keepAliveStarted = true;
            long periodMillis = Math.max(250, client.keepAliveSeconds() * 1000L / 4);
            loop.scheduleAtFixedRate(this::pingIdle, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    void unregister(MqttClient client) {
        clients.remove(client);
    }

    public List<MqttClient> clients() {
        return clients;
    }

    void markDirty(MqttClient client) {
        dirty.add(client);
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushDirty() {
        flushScheduled = false;
        List<MqttClient> batch = dirty;
        dirty = spare;
        spare = batch;
        long now = System.nanoTime();
        for (int i = 0, n = batch.size(); i < n; i++) {
            batch.get(i).flushNow(now);
        }
        batch.clear();
    }

    private void pingIdle() {
        long now = System.nanoTime();
        for (int i = 0, n = clients.size(); i < n; i++) {
            clients.get(i).pingIfIdle(now);
        }
    }
}
