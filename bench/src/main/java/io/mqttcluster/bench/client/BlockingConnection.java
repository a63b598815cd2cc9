package io.mqttcluster.bench.client;

import io.mqttcluster.bench.codec.MqttFrameDecoder;
import io.mqttcluster.bench.codec.MqttVersion;
import io.mqttcluster.bench.codec.MqttWriter;
import io.mqttcluster.bench.codec.PacketListener;
import io.mqttcluster.bench.codec.PacketType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Arrays;

/**
 * One MQTT 3.1.1 connection on a plain blocking socket, for probes that time a few steps of a connection from a
 * thread of their own (a fleet device, a session takeover) rather than push load: the packets are written by
 * {@link MqttWriter} and parsed by {@link MqttFrameDecoder}, as in {@link MqttClient}, but every call blocks and
 * nothing reconnects by itself. One thread may read while another writes; otherwise not thread-safe.
 */
public final class BlockingConnection implements AutoCloseable {

    /** CONNECT's keep-alive; the probes send no PINGREQ, their traffic keeps the connection alive. */
    public static final int KEEP_ALIVE_SECONDS = 60;

    private static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false);

    /**
     * A packet from the broker. {@code type} is a {@link PacketType} constant; CONNACK fills {@code sessionPresent}
     * and {@code returnCode}, PUBLISH {@code qos}, {@code packetId} (0 for QoS 0) and {@code payload}.
     */
    public record Packet(int type, boolean sessionPresent, int returnCode, int qos, int packetId, byte[] payload) {
        static Packet of(int type) {
            return new Packet(type, false, 0, 0, 0, null);
        }
    }

    private final Socket socket;
    private final long tcpConnectedNanos;
    private final OutputStream out;
    private final DataInputStream in;
    private final MqttFrameDecoder decoder;
    private Packet decoded;
    private String protocolError;

    private BlockingConnection(Socket socket, long tcpConnectedNanos) throws IOException {
        this.socket = socket;
        this.tcpConnectedNanos = tcpConnectedNanos;
        socket.setTcpNoDelay(true);
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
        this.decoder = new MqttFrameDecoder(new Capture(), MqttVersion.V3_1_1, Integer.MAX_VALUE);
    }

    /** Opens the TCP connection (blocking), from {@code source} when not null (any local port). */
    public static BlockingConnection open(String host, int port, InetAddress source) throws IOException {
        Socket s = source == null ? new Socket(host, port) : new Socket(host, port, source, 0);
        long connected = System.nanoTime();
        try {
            return new BlockingConnection(s, connected);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** {@link System#nanoTime()} when the TCP connection was up. */
    public long tcpConnectedNanos() {
        return tcpConnectedNanos;
    }

    /** A read that waits longer than this throws {@link java.net.SocketTimeoutException}; 0 waits for ever. */
    public void soTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    // ---------------------------------------------------------------- writing

    /** Sends CONNECT (MQTT 3.1.1, no credentials); the CONNACK is read with {@link #read}. */
    public void sendConnect(String clientId, boolean cleanSession) throws IOException {
        send(MqttWriter.connect(HEAP, MqttVersion.V3_1_1,
                new MqttWriter.ConnectSpec(clientId, cleanSession, KEEP_ALIVE_SECONDS, null, null, 0, 0)));
    }

    public void sendSubscribe(int packetId, String filter, int qos) throws IOException {
        send(MqttWriter.subscribe(HEAP, MqttVersion.V3_1_1, packetId, new String[] {filter}, qos));
    }

    public void sendPublish(String topic, int qos, int packetId, byte[] payload) throws IOException {
        byte[] t = MqttWriter.utf8(topic);
        ByteBuf buf = HEAP.buffer(MqttWriter.publishSize(MqttVersion.V3_1_1, t.length, qos, payload.length));
        MqttWriter.writePublishHeader(buf, MqttVersion.V3_1_1, t, qos, false, false, packetId, payload.length);
        buf.writeBytes(payload);
        send(buf);
    }

    public void sendPubAck(int packetId) throws IOException {
        send(MqttWriter.ack(HEAP, PacketType.PUBACK, packetId));
    }

    /** Sends DISCONNECT and closes the socket. */
    public void disconnect() throws IOException {
        try {
            send(MqttWriter.disconnect(HEAP));
            out.flush();
        } finally {
            close();
        }
    }

    private void send(ByteBuf packet) throws IOException {
        try {
            out.write(ByteBufUtil.getBytes(packet));
        } finally {
            packet.release();
        }
    }

    // ---------------------------------------------------------------- reading

    /** Blocks until the next packet has arrived whole. Throws when the connection ends or the bytes are no MQTT. */
    public Packet read() throws IOException {
        int first = in.readUnsignedByte();
        byte[] length = new byte[4];
        int lengthBytes = 0;
        int remaining = 0;
        int multiplier = 1;
        int b;
        do {
            if (lengthBytes == 4) {
                throw new IOException("protocol error: remaining length longer than 4 bytes");
            }
            b = in.readUnsignedByte();
            length[lengthBytes++] = (byte) b;
            remaining += (b & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((b & 0x80) != 0);
        byte[] body = in.readNBytes(remaining);
        if (body.length < remaining) {
            throw new IOException("closed");
        }
        ByteBuf frame = Unpooled.wrappedBuffer(new byte[] {(byte) first}, Arrays.copyOf(length, lengthBytes), body);
        decoded = null;
        decoder.decodeFrames(frame);
        if (protocolError != null) {
            throw new IOException("protocol error: " + protocolError);
        }
        return decoded != null ? decoded : Packet.of(first >>> 4);
    }

    /**
     * Waits up to {@code timeoutMillis} for the broker to close the connection: -1 when it did, else the first byte
     * that came instead. Throws {@link java.net.SocketTimeoutException} when neither happened in time.
     */
    public int awaitClosed(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        return socket.getInputStream().read();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Turns the decoder's callbacks into the {@link Packet} that {@link #read} returns. */
    private final class Capture implements PacketListener {
        @Override
        public void onConnAck(boolean sessionPresent, int returnCode, int receiveMaximum) {
            decoded = new Packet(PacketType.CONNACK, sessionPresent, returnCode, 0, 0, null);
        }

        @Override
        public void onPublish(int qos, boolean dup, boolean retain, int packetId, ByteBuf topic, ByteBuf payload) {
            decoded = new Packet(PacketType.PUBLISH, false, 0, qos, packetId, ByteBufUtil.getBytes(payload));
        }

        @Override
        public void onPubAck(int packetId, int reasonCode) {
            decoded = Packet.of(PacketType.PUBACK);
        }

        @Override
        public void onPubRec(int packetId, int reasonCode) {
            decoded = Packet.of(PacketType.PUBREC);
        }

        @Override
        public void onPubRel(int packetId) {
            decoded = Packet.of(PacketType.PUBREL);
        }

        @Override
        public void onPubComp(int packetId) {
            decoded = Packet.of(PacketType.PUBCOMP);
        }

        @Override
        public void onSubAck(int packetId, ByteBuf returnCodes) {
            decoded = Packet.of(PacketType.SUBACK);
        }

        @Override
        public void onPingResp() {
            decoded = Packet.of(PacketType.PINGRESP);
        }

        @Override
        public void onServerDisconnect(int reasonCode) {
            decoded = Packet.of(PacketType.DISCONNECT);
        }

        @Override
        public void onProtocolError(String message) {
            protocolError = message;
        }
    }
}
