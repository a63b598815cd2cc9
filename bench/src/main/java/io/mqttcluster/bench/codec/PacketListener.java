package io.mqttcluster.bench.codec;

import io.netty.buffer.ByteBuf;

/**
 * Receives the packets a broker sends to a client, straight from {@link MqttFrameDecoder}: no packet objects are made.
 * Buffers passed in are views into the read buffer, valid only during the call.
 */
public interface PacketListener {

    /**
     * CONNACK. {@code returnCode} is the 3.1.1 return code or the MQTT 5 reason code (0 = accepted);
     * {@code receiveMaximum} is the server's MQTT 5 Receive Maximum (65535 when absent, and always for 3.1.1).
     */
    void onConnAck(boolean sessionPresent, int returnCode, int receiveMaximum);

    /** PUBLISH. {@code packetId} is 0 for QoS 0. {@code topic} and {@code payload} are read-only views. */
    void onPublish(int qos, boolean dup, boolean retain, int packetId, ByteBuf topic, ByteBuf payload);

    void onPubAck(int packetId, int reasonCode);

    void onPubRec(int packetId, int reasonCode);

    void onPubRel(int packetId);

    void onPubComp(int packetId);

    /** SUBACK; {@code returnCodes} holds one byte per requested filter (0x80 or more = refused). */
    void onSubAck(int packetId, ByteBuf returnCodes);

    void onPingResp();

    /** A DISCONNECT sent by the server (MQTT 5 only). */
    void onServerDisconnect(int reasonCode);

    /** The byte stream cannot be decoded; the caller closes the connection. */
    void onProtocolError(String message);
}
