package io.mqttcluster.gateway.backend;

/** What the gateway believes about a node, from its health checks. Ordered best first. */
public enum NodeState {
    /** Passes its checks and is ready: gets new clients. */
    UP,
    /** Reachable but reports not ready (HTTP 503): no new clients, existing ones drained. */
    DRAINING,
    /** Fails its checks (or never checked yet): no new clients, existing ones closed. */
    DOWN;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
