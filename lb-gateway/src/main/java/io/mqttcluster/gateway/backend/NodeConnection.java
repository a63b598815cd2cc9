package io.mqttcluster.gateway.backend;

/**
 * A client connection spliced to a node, as seen by the code that moves connections. Implemented
 * by the proxy's connection; its methods may be called from any thread.
 */
public interface NodeConnection {

    /** The client id's UTF-8 bytes (empty for a server-assigned id). Immutable. */
    byte[] clientIdBytes();

    /**
     * Asks the connection to close so that its client reconnects elsewhere. Returns false when
     * it is already closed or already asked; the close itself happens on the connection's own
     * event loop.
     */
    boolean requestMove(MoveReason reason);
}
