package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.mqtt.ReasonCode;

import java.util.Locale;

/**
 * Why a connection ended: the label of {@code mqtt_connections_closed_total} and of the log line, and
 * whether the client's will is published (every end except a DISCONNECT, a takeover and a refused
 * CONNECT is abnormal [MQTT-3.1.2-8]).
 */
public enum CloseReason {
    CLIENT_DISCONNECT(false, -1),
    CONNECTION_LOST(true, -1),
    KEEPALIVE_TIMEOUT(true, ReasonCode.KEEP_ALIVE_TIMEOUT),
    PROTOCOL_ERROR(true, ReasonCode.PROTOCOL_ERROR),
    TAKEN_OVER(false, ReasonCode.SESSION_TAKEN_OVER),
    CONNECT_REFUSED(false, -1),
    STORE_FAILURE(true, ReasonCode.SERVER_BUSY),
    SERVER_SHUTDOWN(true, ReasonCode.SERVER_SHUTTING_DOWN),
    DRAINING(true, ReasonCode.SERVER_SHUTTING_DOWN),
    QUORUM_LOST(true, ReasonCode.USE_ANOTHER_SERVER),
    NOT_AUTHORIZED(true, ReasonCode.NOT_AUTHORIZED),
    /** An operator kicked the client (admin API): a server-side close like any other, so the will is published. */
    ADMIN_KICK(true, ReasonCode.ADMINISTRATIVE_ACTION),
    /** An operator deleted the client's session: closed first, and the will goes with the session. */
    SESSION_DELETED(false, ReasonCode.ADMINISTRATIVE_ACTION);

    private final boolean publishesWill;
    private final int v5Code;

    CloseReason(boolean publishesWill, int v5Code) {
        this.publishesWill = publishesWill;
        this.v5Code = v5Code;
    }

    /**
     * The reason code of the DISCONNECT an MQTT 5 client is sent before the close, or -1 for none (the client
     * ended it, or the socket is gone). A protocol error may carry a more precise code (0x81, 0x93, 0x94, 0x95).
     */
    public int v5Code() {
        return v5Code;
    }

    public boolean publishesWill() {
        return publishesWill;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
