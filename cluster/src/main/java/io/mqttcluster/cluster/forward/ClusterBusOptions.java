package io.mqttcluster.cluster.forward;

/**
 * Settings of a {@link ClusterBus}, with their defaults; checked when set. Not thread-safe: fill it before
 * handing it to the bus.
 */
public final class ClusterBusOptions {

    /** How long a {@link ClusterBus#delivered} waits for the peer's acknowledgement: 10 s. */
    public static final long DEFAULT_DELIVERY_TIMEOUT_MILLIS = 10_000;
    /** Unacknowledged bytes (frames as sent on the wire) per peer above which sends are refused: 64 MB. */
    public static final long DEFAULT_MAX_UNACKED_BYTES = 64L * 1024 * 1024;
    /** Pause between attempts to connect to a peer that cannot be reached: 500 ms. */
    public static final long DEFAULT_RECONNECT_DELAY_MILLIS = 500;

    private long deliveryTimeoutMillis = DEFAULT_DELIVERY_TIMEOUT_MILLIS;
    private long maxUnackedBytes = DEFAULT_MAX_UNACKED_BYTES;
    private long reconnectDelayMillis = DEFAULT_RECONNECT_DELAY_MILLIS;
    private PeerAuth peerAuth = PeerAuth.NONE;

    public long deliveryTimeoutMillis() {
        return deliveryTimeoutMillis;
    }

    /**
     * How long {@link ClusterBus#delivered} waits before failing; also how long a connection may go without
     * acknowledging what was sent on it (or answering its HELLO) before it is closed and opened again.
     */
    public ClusterBusOptions deliveryTimeoutMillis(long millis) {
        if (millis < 1) {
            throw new IllegalArgumentException("deliveryTimeoutMillis must be >= 1: " + millis);
        }
        this.deliveryTimeoutMillis = millis;
        return this;
    }

    public long maxUnackedBytes() {
        return maxUnackedBytes;
    }

    /** Per peer; a single frame larger than this is still sent when nothing else is unacknowledged. */
    public ClusterBusOptions maxUnackedBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxUnackedBytes must be >= 1: " + bytes);
        }
        this.maxUnackedBytes = bytes;
        return this;
    }

    public long reconnectDelayMillis() {
        return reconnectDelayMillis;
    }

    public ClusterBusOptions reconnectDelayMillis(long millis) {
        if (millis < 1) {
            throw new IllegalArgumentException("reconnectDelayMillis must be >= 1: " + millis);
        }
        this.reconnectDelayMillis = millis;
        return this;
    }

    public PeerAuth peerAuth() {
        return peerAuth;
    }

    public ClusterBusOptions peerAuth(PeerAuth auth) {
        if (auth == null) {
            throw new IllegalArgumentException("peerAuth must not be null (PeerAuth.NONE for none)");
        }
        this.peerAuth = auth;
        return this;
    }
}
