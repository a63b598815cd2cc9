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
    /**
     * Largest frame accepted from an authenticated peer, and sent: 16 MB. A forward carries one MQTT message (at most
     * the broker's largest packet) plus a few dozen bytes per persistent session it reaches on the receiving node;
     * a subscription change carries the filters of one SUBSCRIBE. The broker raises this to its largest packet plus
     * 1 MB when that is more.
     */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
    /** Smallest accepted value of {@link #maxFrameBytes}: 64 KB. */
    public static final int MIN_MAX_FRAME_BYTES = 64 * 1024;

    private long deliveryTimeoutMillis = DEFAULT_DELIVERY_TIMEOUT_MILLIS;
    private long maxUnackedBytes = DEFAULT_MAX_UNACKED_BYTES;
    private long reconnectDelayMillis = DEFAULT_RECONNECT_DELAY_MILLIS;
    private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
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

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * The largest frame (length prefix excluded) read from a peer after the handshake, and sent to one: a larger
     * one read closes the connection before it is buffered; a larger one to send is refused ({@link
     * ClusterBus#send} returns -1, counted in {@link ClusterBus#oversizeSends}). Every node of a cluster should
     * use the same value. Before the handshake the limit is a few KB whatever this says.
     */
    public ClusterBusOptions maxFrameBytes(int bytes) {
        if (bytes < MIN_MAX_FRAME_BYTES || bytes > BusFrames.MAX_FRAME) {
            throw new IllegalArgumentException("maxFrameBytes must be between " + MIN_MAX_FRAME_BYTES + " and "
                    + BusFrames.MAX_FRAME + ": " + bytes);
        }
        this.maxFrameBytes = bytes;
        return this;
    }

    public PeerAuth peerAuth() {
        return peerAuth;
    }

    /** {@link PeerAuth#NONE} (the default): no secret; {@link PeerAuth#sharedSecret}: peers must prove it. */
    public ClusterBusOptions peerAuth(PeerAuth auth) {
        if (auth == null) {
            throw new IllegalArgumentException("peerAuth must not be null (PeerAuth.NONE for none)");
        }
        this.peerAuth = auth;
        return this;
    }
}
