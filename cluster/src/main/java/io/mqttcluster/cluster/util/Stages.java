package io.mqttcluster.cluster.util;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Hazelcast's asynchronous results as plain stages that complete where Hazelcast completes them. */
public final class Stages {

    private Stages() {
    }

    /**
     * Hazelcast throws some failures (instance shutting down, split-brain protection) from the call itself
     * instead of failing the returned stage; callers on an event loop get a failed stage either way.
     */
    public static <T> CompletionStage<T> safe(Supplier<CompletionStage<T>> call) {
        try {
            return direct(call.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedStage(e);
        }
    }

    /**
     * A plain CompletableFuture completed on the thread that completes Hazelcast's future. Hazelcast runs
     * callbacks on its default async executor, which on a machine with fewer than three cores (common
     * pool parallelism below 2) starts a new thread for every callback: at thousands of store calls per
     * second that, not the store, is the cost. Callbacks here only complete a promise and hop to an event
     * loop, so running them in place is right.
     */
    public static <T> CompletableFuture<T> direct(CompletionStage<T> stage) {
        CompletableFuture<T> cf = new CompletableFuture<>();
        stage.whenCompleteAsync((v, e) -> {
            if (e != null) {
                cf.completeExceptionally(e);
            } else {
                cf.complete(v);
            }
        }, Runnable::run);
        return cf;
    }
}
