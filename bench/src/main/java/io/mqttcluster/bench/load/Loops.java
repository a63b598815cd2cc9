package io.mqttcluster.bench.load;

import io.mqttcluster.bench.client.LoopContext;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** How the engine's thread waits: for a task on an event loop, for a condition, for a while. */
final class Loops {
    private Loops() {
    }

    /** Runs {@code task} on the loop and waits for it (up to 10 s); runs it right away when already on the loop. */
    static void onLoopSync(LoopContext loop, Runnable task) {
        if (loop.inLoop()) {
            task.run();
            return;
        }
        try {
            loop.loop().submit(task).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("event loop task failed: " + e, e);
        }
    }

    /** Polls a condition until it holds or the deadline passes (this is the tool's own pacing, not a test wait). */
    static boolean await(BooleanSupplier condition, long deadlineNanos) {
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() >= deadlineNanos) {
                return false;
            }
            sleepMillis(5);
        }
        return true;
    }

    static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
