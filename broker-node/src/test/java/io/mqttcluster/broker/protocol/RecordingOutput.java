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
    public void connackAccepted(Accepted a) {
        actions.add("CONNACK 0 sp=" + a.sessionPresent() + (a.assignedClientId() != null ? " assigned" : "")
                + (a.serverKeepAlive() >= 0 ? " keepalive=" + a.serverKeepAlive() : "")
                + (a.sessionExpirySeconds() >= 0 ? " expiry=" + a.sessionExpirySeconds() : ""));
    }

    @Override
    public void auth(int reasonCode, String method, byte[] data) {
        actions.add(String.format("AUTH 0x%02x %s", reasonCode, method));
    }

    @Override
    public void connackRefused(Refusal refusal, String reasonString) {
        actions.add("CONNACK " + refusal.name());
    }

    @Override
    public void publish(int packetId, Message message, int qos, boolean dup, boolean retain, int[] subscriptionIds) {
        actions.add("PUBLISH " + message.topic() + " " + new String(message.payload()) + " q" + qos
                + (qos > 0 ? " id=" + packetId : "") + (dup ? " dup" : "") + (retain ? " retain" : "")
                + (subscriptionIds != null && subscriptionIds.length > 0 ? " subs=" + Arrays.toString(subscriptionIds) : ""));
    }

    @Override
    public void puback(int packetId, int reasonCode) {
        actions.add("PUBACK " + packetId + (reasonCode != 0 ? String.format(" rc=0x%02x", reasonCode) : ""));
    }

    @Override
    public void pubrec(int packetId, int reasonCode) {
        actions.add("PUBREC " + packetId + (reasonCode != 0 ? String.format(" rc=0x%02x", reasonCode) : ""));
    }

    @Override
    public void pubrel(int packetId, int reasonCode) {
        actions.add("PUBREL " + packetId + (reasonCode != 0 ? String.format(" rc=0x%02x", reasonCode) : ""));
    }

    @Override
    public void pubcomp(int packetId, int reasonCode) {
        actions.add("PUBCOMP " + packetId + (reasonCode != 0 ? String.format(" rc=0x%02x", reasonCode) : ""));
    }

    @Override
    public void suback(int packetId, int[] codes) {
        actions.add("SUBACK " + packetId + " " + Arrays.toString(codes));
    }

    @Override
    public void unsuback(int packetId, int[] codes) {
        actions.add("UNSUBACK " + packetId);
    }

    @Override
    public boolean writable() {
        return writable;
    }

    /** Whether the protocol asked to stop reading (its publishes wait for the store). */
    volatile boolean readingPaused;

    @Override
    public void pauseReading(boolean paused) {
        readingPaused = paused;
    }

    @Override
    public void close(CloseReason reason, int reasonCode) {
        // the reason's own DISCONNECT code is implied; a more precise one is shown
        actions.add("CLOSE " + reason.label() + (reasonCode != reason.v5Code() ? String.format(" rc=0x%02x", reasonCode) : ""));
    }

    @Override
    public String remoteAddress() {
        return "test";
    }

    List<String> of(String prefix) {
        return actions.stream().filter(a -> a.startsWith(prefix)).toList();
    }
}
