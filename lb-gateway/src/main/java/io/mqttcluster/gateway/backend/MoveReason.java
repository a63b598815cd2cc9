package io.mqttcluster.gateway.backend;

/** Why the gateway closed a spliced connection so that its client reconnects elsewhere. */
public enum MoveReason {
    /** Its node reports not ready (or left DNS): moved at the drain rate. */
    DRAIN,
    /** Its client id now hashes to another node (after a join): moved at the rebalance rate. */
    REBALANCE,
    /** Its node failed its health checks (closed after health.close-after). */
    NODE_DOWN;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
