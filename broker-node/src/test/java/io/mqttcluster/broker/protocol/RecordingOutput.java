package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.mqtt.Refusal;
import io.mqttcluster.cluster.message.Message;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link ProtocolOutput} that records every action as a line, instead of writing to a socket. */
final class RecordingOutput implements ProtocolOutput {

    final List<String> actions = new CopyOnWriteArrayList<>();
    volatile boolean writable = true;

    @Override
    public void connackAccepted(boolean sessionPresent, String assignedClientId) {
        actions.add("CONNACK 0 sp=" + sessionPresent + (assignedClientId != null ? " assigned" : ""));
    }

    @Override
    public void connackRefused(Refusal refusal) {
        actions.add("CONNACK " + refusal.name());
    }

    @Override
    public void publish(int packetId, Message message, int qos, boolean dup, boolean retain) {
        actions.add("PUBLISH " + message.topic() + " " + new String(message.payload()) + " q" + qos
                + (qos > 0 ? " id=" + packetId : "") + (dup ? " dup" : "") + (retain ? " retain" : ""));
    }

    @Override
    public void puback(int packetId) {
        actions.add("PUBACK " + packetId);
    }

    @Override
    public void pubrec(int packetId) {
        actions.add("PUBREC " + packetId);
    }

    @Override
    public void pubrel(int packetId) {
        actions.add("PUBREL " + packetId);
    }

    @Override
    public void pubcomp(int packetId) {
        actions.add("PUBCOMP " + packetId);
    }

    @Override
    public void suback(int packetId, int[] codes) {
        actions.add("SUBACK " + packetId + " " + Arrays.toString(codes));
    }

    @Override
    public void unsuback(int packetId, int count) {
        actions.add("UNSUBACK " + packetId);
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public void close(CloseReason reason) {
        actions.add("CLOSE " + reason.label());
    }

    @Override
    public String remoteAddress() {
        return "test";
    }

    List<String> of(String prefix) {
        return actions.stream().filter(a -> a.startsWith(prefix)).toList();
    }
}
