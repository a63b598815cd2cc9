package io.mqttcluster.gateway.proxy;

/** Why a client connection was refused before (or instead of) being spliced to a node. */
public enum RejectReason {
    MAX_CONNECTIONS,
    /** The source address's rate ({@code limits.rate-per-source}) would have it wait past {@code limits.accept-max-wait}. */
    RATE_LIMITED,
    /** The listener's accept rate ({@code limits.accept-rate}) would have it wait past {@code limits.accept-max-wait}. */
    ACCEPT_RATE_LIMITED,
    CONNECT_TIMEOUT,
    INVALID_CONNECT,
    OVERSIZE,
    NO_HEALTHY_NODE,
    /** The client id connected too often lately and is banned for a while (flapping detection). */
    CLIENT_ID_BANNED,
    NODE_UNREACHABLE,
    /** The TLS handshake failed: no or an untrusted client certificate, an unknown CA on the client's side, not TLS. */
    TLS_HANDSHAKE;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
