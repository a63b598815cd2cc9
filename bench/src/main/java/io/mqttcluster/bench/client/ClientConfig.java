package io.mqttcluster.bench.client;

import io.mqttcluster.bench.codec.MqttVersion;

/** Settings shared by all clients of a run. Immutable. */
public final class ClientConfig {
    public final Transport transport;
    public final ClientEvents events;
    public final MqttVersion version;
    public final int keepAliveSeconds;
    public final String username;
    public final String password;
    /** MQTT 5 session expiry sent with clean session false (0 = not sent). */
    public final long sessionExpirySeconds;
    public final int connackTimeoutMillis;
    /** How often a failed connection attempt is retried before the client is given up. */
    public final int connectRetries;
    public final int retryBackoffMillis;
    /** Reconnect by itself when an established connection is lost. */
    public final boolean reconnectOnLoss;
    public final int maxPacketSize;

    private ClientConfig(Builder b) {
        this.transport = b.transport;
        this.events = b.events;
        this.version = b.version;
        this.keepAliveSeconds = b.keepAliveSeconds;
        this.username = b.username;
        this.password = b.password;
        this.sessionExpirySeconds = b.sessionExpirySeconds;
        this.connackTimeoutMillis = b.connackTimeoutMillis;
        this.connectRetries = b.connectRetries;
        this.retryBackoffMillis = b.retryBackoffMillis;
        this.reconnectOnLoss = b.reconnectOnLoss;
        this.maxPacketSize = b.maxPacketSize;
    }

    public static Builder builder(Transport transport, ClientEvents events) {
        return new Builder(transport, events);
    }

    public Builder toBuilder() {
        Builder b = new Builder(transport, events);
        b.version = version;
        b.keepAliveSeconds = keepAliveSeconds;
        b.username = username;
        b.password = password;
        b.sessionExpirySeconds = sessionExpirySeconds;
        b.connackTimeoutMillis = connackTimeoutMillis;
        b.connectRetries = connectRetries;
        b.retryBackoffMillis = retryBackoffMillis;
        b.reconnectOnLoss = reconnectOnLoss;
        b.maxPacketSize = maxPacketSize;
        return b;
    }

    public static final class Builder {
        private Transport transport;
        private ClientEvents events;
        private MqttVersion version = MqttVersion.V3_1_1;
        private int keepAliveSeconds = 60;
        private String username;
        private String password;
        private long sessionExpirySeconds = 3600;
        private int connackTimeoutMillis = 15_000;
        private int connectRetries = 3;
        private int retryBackoffMillis = 500;
        private boolean reconnectOnLoss;
        private int maxPacketSize = 1 << 20;

        private Builder(Transport transport, ClientEvents events) {
            this.transport = transport;
            this.events = events;
        }

        public Builder events(ClientEvents v) {
            events = v;
            return this;
        }

        public Builder version(MqttVersion v) {
            version = v;
            return this;
        }

        public Builder keepAliveSeconds(int v) {
            keepAliveSeconds = v;
            return this;
        }

        public Builder credentials(String user, String pass) {
            username = user;
            password = pass;
            return this;
        }

        public Builder sessionExpirySeconds(long v) {
            sessionExpirySeconds = v;
            return this;
        }

        public Builder connackTimeoutMillis(int v) {
            connackTimeoutMillis = v;
            return this;
        }

        public Builder connectRetries(int v) {
            connectRetries = v;
            return this;
        }

        public Builder retryBackoffMillis(int v) {
            retryBackoffMillis = v;
            return this;
        }

        public Builder reconnectOnLoss(boolean v) {
            reconnectOnLoss = v;
            return this;
        }

        public Builder maxPacketSize(int v) {
            maxPacketSize = v;
            return this;
        }

        public ClientConfig build() {
            return new ClientConfig(this);
        }
    }
}
