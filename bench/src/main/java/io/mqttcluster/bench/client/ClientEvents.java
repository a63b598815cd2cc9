package io.mqttcluster.bench.client;

/**
 * What a scenario hears about its clients' connections. Called on the client's event loop; implementations
 * must be thread-safe when the run has more than one loop.
 */
public interface ClientEvents {

    /** CONNACK accepted. {@code connectNanos} runs from the start of the TCP connect to the CONNACK. */
    void connected(MqttClient client, boolean sessionPresent, long connectNanos, boolean reconnect);

    /** A connection attempt failed; {@code givenUp} when no retry follows. */
    void connectFailed(MqttClient client, String reason, boolean givenUp);

    /** An established connection was lost without the client asking for it. */
    void connectionLost(MqttClient client, String reason);

    /** An established connection was closed because the client asked for it (DISCONNECT, or a deliberate drop). */
    default void connectionClosed(MqttClient client) {
    }

    ClientEvents NONE = new ClientEvents() {
        @Override
        public void connected(MqttClient client, boolean sessionPresent, long connectNanos, boolean reconnect) {
        }

        @Override
        public void connectFailed(MqttClient client, String reason, boolean givenUp) {
        }

        @Override
        public void connectionLost(MqttClient client, String reason) {
        }
    };
}
