package io.mqttcluster.broker.cluster;

import com.hazelcast.core.IndeterminateOperationStateException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;

import java.util.concurrent.CompletionStage;

/**
 * A store call that gets no answer within {@code cluster.store-timeout} is given up as indeterminate, for its
 * caller to repeat (only calls that may be repeated go through here: queue writes with their duplicate check,
 * acknowledgements, QoS 2 packet ids, reads).
 *
 * <p>Why the broker needs its own limit: when a member connection resets (a middlebox, a flaky link; the
 * fault harness's bus-reset), a call whose request or answer was on it is never answered, and Hazelcast
 * notices only when the operation heartbeat for it is missing, after twice its call timeout (30 s) for a call
 * the other member never reported running. A publisher waited that long for its PUBACK, then lost its
 * connection; a subscriber got nothing meanwhile. The repeated call goes over a new connection and is
 * answered in milliseconds; the first one, if it was applied after all, makes the repeat a recognised
 * duplicate.
 */
public final class StoreDeadline {

    private StoreDeadline() {
    }

    /** {@code call}'s outcome on {@code ctx}, or a {@link StoreTimeoutException} after {@code timeoutMillis}. */
    public static <T> Future<T> within(CompletionStage<T> call, ContextInternal ctx, long timeoutMillis) {
        Future<T> answer = Future.fromCompletionStage(call, ctx);
        if (answer.isComplete()) {
            return answer;
        }
        Promise<T> result = ctx.promise();
        long timer = ctx.setTimer(timeoutMillis, t -> result.tryFail(new StoreTimeoutException(timeoutMillis)));
        answer.onComplete(ar -> {
            ctx.owner().cancelTimer(timer);
            if (ar.succeeded()) {
                result.tryComplete(ar.result());
            } else {
                result.tryFail(ar.cause());
            }
        });
        return result.future();
    }

    /** No answer in time: the call may or may not have been applied. */
    public static final class StoreTimeoutException extends IndeterminateOperationStateException {

        StoreTimeoutException(long timeoutMillis) {
            super("no answer from the store in " + timeoutMillis + " ms (cluster.store-timeout); the call may have been applied");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // an expected outcome, counted and logged by its caller
        }
    }
}
