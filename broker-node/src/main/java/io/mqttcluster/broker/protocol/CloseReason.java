package io.mqttcluster.broker.protocol;

import java.util.Locale;

/**
 * Why a connection ended: the label of {@code mqtt_connections_closed_total} and of the log line, and
 * whether the client's will is published (every end except a DISCONNECT, a takeover and a refused
 * CONNECT is abnormal [MQTT-3.1.2-8]).
 */
public enum CloseReason {
    CLIENT_DISCONNECT(false),
    CONNECTION_LOST(true),
    PROTOCOL_ERROR(true),
    TAKEN_OVER(false),
    CONNECT_REFUSED(false),
    STORE_FAILURE(true),
    SERVER_SHUTDOWN(true),
    DRAINING(true),
    QUORUM_LOST(true),
    NOT_AUTHORIZED(true);

    private final boolean publishesWill;

    CloseReason(boolean publishesWill) {
        this.publishesWill = publishesWill;
    }

    public boolean publishesWill() {
        return publishesWill;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
