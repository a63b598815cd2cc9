package io.mqttcluster.faults.client;

/**
 * Timing of the harness's clients. A client sends PINGREQ every {@code pingIntervalMs} (so each PINGRESP proves
 * the broker still served the connection after that moment) and gives a connection up when a ping stays
 * unanswered for {@code pingTimeoutMs}, or an acknowledgement for {@code ackTimeoutMs}.
 */
public record ClientSettings(int keepAliveSeconds, long pingIntervalMs, long pingTimeoutMs, int connectTimeoutMs,
                             long connackTimeoutMs, long subackTimeoutMs, long ackTimeoutMs, long backoffMinMs,
                             long backoffMaxMs, int window, int packetIdSpace) {

    public static ClientSettings defaults() {
        return new ClientSettings(10, 1000, 6000, 2000, 5000, 10_000, 20_000, 100, 1000, 16, 64);
    }
}
