package io.mqttcluster.bench.report;

import java.io.PrintStream;
import java.util.function.LongFunction;

/**
 * Prints a progress line about once a second on its own daemon thread, from a function of the elapsed
 * milliseconds (a null line prints nothing). Also the place for other once-a-second chores of a run.
 */
public final class ProgressReporter implements AutoCloseable {
    private final Thread thread;
    private volatile boolean stopped;

    public ProgressReporter(PrintStream out, long intervalMillis, LongFunction<String> line) {
        long start = System.nanoTime();
        this.thread = new Thread(() -> {
            long next = start + intervalMillis * 1_000_000L;
            while (!stopped) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(this, wait);
                    continue;
                }
                next += intervalMillis * 1_000_000L;
                String s = line.apply((System.nanoTime() - start) / 1_000_000L);
                if (s != null && out != null && !stopped) {
                    out.println(s);
                    out.flush();
                }
            }
        }, "bench-progress");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        stopped = true;
        java.util.concurrent.locks.LockSupport.unpark(thread);
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
