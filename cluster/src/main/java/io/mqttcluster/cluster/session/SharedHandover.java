package io.mqttcluster.cluster.session;

/**
 * What a connection that ends knows about the shared-group copies of its session, so those the client cannot
 * have can go to another member ({@link SessionQueue#takeShared}).
 *
 * @param handedUpTo the connection was told of every stored copy below this sequence number
 * @param neverSent  of those, the ones it never sent to the client
 */
public record SharedHandover(long handedUpTo, long[] neverSent) {

    /** Nothing is known (the node holding the connection died): QoS 2 copies stay with the client. */
    public static final SharedHandover UNKNOWN = new SharedHandover(Long.MAX_VALUE, new long[0]);
}
