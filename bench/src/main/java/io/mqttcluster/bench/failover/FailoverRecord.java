package io.mqttcluster.bench.failover;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the devices and the command publisher of one fleet failover run record, per device id, and the moment of
 * the kill they measure from. Written by every device thread, read by the run's thread: thread-safe.
 */
final class FailoverRecord {
    /** When a device's first accepted CONNACK after the kill arrived ({@link System#nanoTime()}). */
    final Map<String, Long> reconnectedAt = new ConcurrentHashMap<>();
    /** When a device first received a command published after the kill. */
    final Map<String, Long> receivedAfterKill = new ConcurrentHashMap<>();
    /** Session present in the CONNACK of a device's reconnect after the kill. */
    final Map<String, Boolean> sessionPresent = new ConcurrentHashMap<>();
    /** CONNECT to CONNACK of a device's first reconnect after the kill, in whole milliseconds. */
    final Map<String, Long> connackMillis = new ConcurrentHashMap<>();
    /** TCP connect of the same attempt, in whole milliseconds. */
    final Map<String, Long> tcpMillis = new ConcurrentHashMap<>();
    /** Connection attempts (CONNECTs sent) by devices after the kill. */
    final AtomicInteger attemptsAfterKill = new AtomicInteger();
    /** Commands published so far; command k carries the payload "cmd k". */
    final AtomicLong published = new AtomicLong();
    volatile long publishedAtKill = Long.MAX_VALUE;
    volatile long killedAt = Long.MAX_VALUE;
    volatile boolean stop;

    boolean killed() {
        return killedAt != Long.MAX_VALUE;
    }

    /** Marks the kill: commands numbered above what was published until now count as sent after it. */
    void markKill() {
        publishedAtKill = published.get();
        killedAt = System.nanoTime();
    }
}
