package io.mqttcluster.faults.client;

/** Where a client can connect: a node's (or the gateway's) MQTT address and the name the history uses for it. */
public record Endpoint(String name, String host, int port) {
}
