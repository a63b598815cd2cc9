package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.cluster.StoreDeadline;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The session-store operations of one connection: each is tracked, so a takeover can wait until the last
 * acknowledgements of the old connection are stored before the new one reads the queue, and idempotent writes
 * are tried again when they get no answer. On the connection's event loop only.
 */
final class StoreOps {

    private static final Logger log = LoggerFactory.getLogger(StoreOps.class);
    /** Attempts of an idempotent store write before the connection gives up on it. */
    private static final int STORE_ATTEMPTS = 6;

    private final ClientProtocol channel;
    private int inFlight;
    private Promise<Void> drained;

    StoreOps(ClientProtocol channel) {
        this.channel = channel;
    }

    <T> Future<T> track(CompletionStage<T> stage) {
        return track(Future.fromCompletionStage(stage, channel.context()));
    }

    <T> Future<T> track(Future<T> f) {
        inFlight++;
        f.onComplete(ar -> {
            if (ar.failed()) {
                log.debug("event=store_operation_failed client_id={} error={}", channel.clientId(), oneLine(ar.cause()));
            }
            if (--inFlight == 0 && drained != null) {
                Promise<Void> p = drained;
                drained = null;
                p.complete();
            }
        });
        return f;
    }

    /**
     * An idempotent store write, tried again when it fails: a node died under it, its backup did not answer
     * in time, or it got no answer at all within {@code cluster.store-timeout} ({@link StoreDeadline}), so it
     * may or may not have been applied, and applying it twice is harmless. Waits 100 ms, then twice as long
     * each time; tracked like every store operation.
     */
    <T> Future<T> retrying(Supplier<CompletionStage<T>> write) {
        return track(attempt(write, 1));
    }

    private <T> Future<T> attempt(Supplier<CompletionStage<T>> write, int n) {
        ContextInternal context = channel.context();
        ProtocolServices services = channel.services();
        return StoreDeadline.within(write.get(), context, services.config().storeTimeoutMillis()).recover(err -> {
            if (n >= STORE_ATTEMPTS) {
                return Future.failedFuture(err);
            }
            log.debug("event=store_write_retry client_id={} attempt={} error={}", channel.clientId(), n, oneLine(err));
            Promise<T> next = context.promise();
            services.vertx().setTimer(100L << (n - 1), t -> attempt(write, n + 1).onComplete(next));
            return next.future();
        });
    }

    /** Completes when no operation of this connection is under way. */
    Future<Void> drained() {
        if (inFlight == 0) {
            return Future.succeededFuture();
        }
        if (drained == null) {
            drained = channel.context().promise();
        }
        return drained.future();
    }

    static String oneLine(Throwable t) {
        String m = t.getClass().getSimpleName() + ": " + t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
