package io.mqttcluster.gateway.hash;

/** Why a client went to the node it went to. */
public enum RouteReason {
    /** The first node in rendezvous order for its client id. */
    HASHED,
    /** A later node: the ones before it refused or timed out. */
    FALLBACK_NEXT_NODE,
    /** Empty client id: the least-loaded ready node. */
    LEAST_LOADED_EMPTY_ID;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
