package io.mqttcluster.broker.session;

import io.mqttcluster.broker.pubsub.Subscriber;
import io.vertx.core.Future;

/**
 * A client connected to this node, as the session rules see it: the registry of {@link SessionManager} holds one
 * per client id, and a takeover (here or from another node) closes it. The connection's protocol object
 * implements it.
 */
public interface LocalClient extends Subscriber {

    int protocolVersion();

    /** The user name it authenticated as, or null; kept in the session record by the claim. */
    default String user() {
        return null;
    }

    /** The client's address "ip:port", or null; kept in the session record by the claim. */
    default String remoteAddress() {
        return null;
    }

    /** The keep alive in force for the connection, in seconds; kept in the session record by the claim. */
    default int keepAliveSeconds() {
        return 0;
    }

    /** The epoch of its claim on the client id (0 before the claim returned). */
    long epoch();

    /** How long the claim of its CONNECT took, and waiting for the previous connection to close (logged). */
    void connectTimings(long claimMillis, long takeoverMillis);

    /**
     * Another node claimed this client id: close this connection without its will if it is at {@code kickEpoch}
     * or older. Completes once closed (or at once when newer).
     */
    Future<Void> kick(long kickEpoch);

    /** Another connection here claimed this client id: close without the will; completes once closed. */
    Future<Void> takeOver();
}
