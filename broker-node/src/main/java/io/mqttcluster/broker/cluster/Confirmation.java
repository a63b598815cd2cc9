package io.mqttcluster.broker.cluster;

import io.vertx.core.Future;

/**
 * What a publisher's acknowledgement waits for once its message is dispatched ({@code Dispatcher#dispatch}):
 * asked for when the message reaches the head of its publisher's line, not before. Most often the message went
 * as one forward to one other node, and one acknowledgement from that node covers many forwards; so the line
 * asks the link whether the forward at its head was acknowledged (usually it was) and sets up a wait only for
 * the first one that was not: once per acknowledgement, rather than once per message.
 */
public abstract class Confirmation {

    /** Nothing to wait for. */
    public static final Confirmation DONE = of(Future.succeededFuture());

    /**
     * Completes when the message may be acknowledged, on the caller's context; fails when it may not (the
     * publisher sends it again). Called on the publisher's context, at most once per confirmation.
     */
    public abstract Future<?> await();

    /** A confirmation already under way. */
    public static Confirmation of(Future<?> future) {
        return new Confirmation() {
            @Override
            public Future<?> await() {
                return future;
            }
        };
    }
}
