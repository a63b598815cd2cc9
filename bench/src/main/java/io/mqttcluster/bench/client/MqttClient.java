package io.mqttcluster.bench.client;

import io.mqttcluster.bench.codec.MqttFrameDecoder;
import io.mqttcluster.bench.codec.MqttWriter;
import io.mqttcluster.bench.codec.PacketListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * One MQTT client connection: it owns the socket, runs CONNECT/CONNACK, keep-alive, retries and reconnects, and
 * hands the other packets to its subclass ({@code Publisher}, {@code Subscriber}, {@code IdleClient}). All state is
 * touched only on the client's event loop ({@link #loopContext()}); one instance serves its successive channels.
 *
 * <p>Writes go through {@link #send}: no promise per write, and one flush per event-loop turn (see
 * {@link LoopContext}).
 */
@ChannelHandler.Sharable
public abstract class MqttClient extends ChannelInboundHandlerAdapter implements PacketListener {

    /** Connection state, as seen on the client's loop. */
    public enum State { NEW, CONNECTING, AWAIT_CONNACK, CONNECTED, CLOSING, CLOSED }

    protected final ClientConfig config;
    private final LoopContext loop;
    private final String clientId;
    private final Endpoint endpoint;
    private boolean cleanSession;

    protected Channel channel;
    private State state = State.NEW;
    private boolean dirty;
    private long lastFlushNanos;
    private long connectStartNanos;
    private int attempts;
    private boolean everConnected;
    private boolean reconnectAfterClose;
    private ConnectPacer pacer;
    private ScheduledFuture<?> connackTimer;
    private String closeReason;
    private boolean shutdown;
    /** CLOSING came from CONNECTED (so the close ends an established connection). */
    private boolean closingConnected;
    private int serverReceiveMaximum = 65535;

    protected MqttClient(ClientConfig config, LoopContext loop, String clientId, Endpoint endpoint, boolean cleanSession) {
        this.config = config;
        this.loop = loop;
        this.clientId = clientId;
        this.endpoint = endpoint;
        this.cleanSession = cleanSession;
        loop.run(() -> loop.register(this));
    }

    public final LoopContext loopContext() {
        return loop;
    }

    public final String clientId() {
        return clientId;
    }

    public final Endpoint endpoint() {
        return endpoint;
    }

    public final State state() {
        return state;
    }

    public final boolean isConnected() {
        return state == State.CONNECTED;
    }

    /** The server's MQTT 5 Receive Maximum from the last CONNACK (65535 for 3.1.1 or when not sent). */
    public final int serverReceiveMaximum() {
        return serverReceiveMaximum;
    }

    public final int keepAliveSeconds() {
        return config.keepAliveSeconds;
    }

    /** Clean session for the next CONNECT. Call on the client's loop. */
    public final void cleanSession(boolean clean) {
        this.cleanSession = clean;
    }

    public final boolean cleanSession() {
        return cleanSession;
    }

    final ChannelInitializer<Channel> initializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("mqtt-decoder", new MqttFrameDecoder(MqttClient.this, config.version, config.maxPacketSize));
                ch.pipeline().addLast("mqtt-client", MqttClient.this);
            }
        };
    }

    // ---------------------------------------------------------------- connecting

    /** Starts a connection attempt now. Call on the client's loop. */
    public final void startConnect() {
        startConnect(null);
    }

    final void startConnect(ConnectPacer pacer) {
        if (shutdown || (state != State.NEW && state != State.CLOSED)) {
            if (pacer != null) {
                pacer.attemptFinished();
            }
            return;
        }
        this.pacer = pacer;
        state = State.CONNECTING;
        attempts++;
        connectStartNanos = System.nanoTime();
        ChannelFuture f = config.transport.connect(this, endpoint);
        channel = f.channel();
        f.addListener((ChannelFutureListener) future -> {
            if (!future.isSuccess() && state == State.CONNECTING && channel == future.channel()) {
                attemptFailed("connect failed: " + describe(future.cause()));
            }
        });
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (ctx.channel() != channel || state != State.CONNECTING) {
            ctx.close();
            return;
        }
        state = State.AWAIT_CONNACK;
        lastFlushNanos = System.nanoTime();
        MqttWriter.ConnectSpec spec = new MqttWriter.ConnectSpec(clientId, cleanSession, config.keepAliveSeconds,
                config.username, config.password, cleanSession ? 0 : config.sessionExpirySeconds, 0);
        send(MqttWriter.connect(alloc(), config.version, spec));
        connackTimer = loop.loop().schedule(() -> {
            if (state == State.AWAIT_CONNACK && ctx.channel() == channel) {
                closeReason = "no CONNACK within " + config.connackTimeoutMillis + " ms";
                channel.close();
            }
        }, config.connackTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public final void onConnAck(boolean sessionPresent, int returnCode, int receiveMaximum) {
        if (state != State.AWAIT_CONNACK) {
            onProtocolError("unexpected CONNACK");
            return;
        }
        cancelConnackTimer();
        if (returnCode != 0) {
            closeReason = "CONNACK refused, code 0x" + Integer.toHexString(returnCode);
            channel.close();
            return;
        }
        state = State.CONNECTED;
        serverReceiveMaximum = receiveMaximum;
        boolean reconnect = everConnected;
        everConnected = true;
        attempts = 0;
        finishPacedAttempt();
        config.events.connected(this, sessionPresent, System.nanoTime() - connectStartNanos, reconnect);
        onReady(sessionPresent, reconnect);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel() != channel) {
            return;
        }
        cancelConnackTimer();
        State was = state;
        boolean wasConnected = closingConnected;
        closingConnected = false;
        state = State.CLOSED;
        String reason = closeReason != null ? closeReason : "connection closed by peer";
        closeReason = null;
        if (was == State.CONNECTING || was == State.AWAIT_CONNACK) {
            state = State.CONNECTING; // so attemptFailed sees the attempt as open
            attemptFailed(reason);
            return;
        }
        if (was == State.CONNECTED) {
            onLost();
            config.events.connectionLost(this, reason);
            if (config.reconnectOnLoss && !shutdown) {
                scheduleConnect(Math.max(10, config.retryBackoffMillis / 5));
            }
            return;
        }
        if (was == State.CLOSING && wasConnected) {
            config.events.connectionClosed(this);
        }
        if (was == State.CLOSING && reconnectAfterClose) {
            reconnectAfterClose = false;
            onLost();
            startConnect();
        }
    }

    private void attemptFailed(String reason) {
        state = State.CLOSED;
        finishPacedAttempt();
        boolean retry = !shutdown && (attempts <= config.connectRetries || (everConnected && config.reconnectOnLoss));
        config.events.connectFailed(this, reason, !retry);
        if (retry) {
            scheduleConnect((long) config.retryBackoffMillis * Math.min(attempts, 10));
        }
    }

    private void scheduleConnect(long delayMillis) {
        loop.loop().schedule(() -> {
            if (state == State.CLOSED && !shutdown) {
                startConnect();
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void finishPacedAttempt() {
        if (pacer != null) {
            ConnectPacer p = pacer;
            pacer = null;
            p.attemptFinished();
        }
    }

    private void cancelConnackTimer() {
        if (connackTimer != null) {
            connackTimer.cancel(false);
            connackTimer = null;
        }
    }

    // ---------------------------------------------------------------- closing

    /** Sends DISCONNECT and closes. Call on the client's loop. */
    public final void disconnect() {
        shutdown = true;
        if (state == State.CONNECTED) {
            state = State.CLOSING;
            closingConnected = true;
            ByteBuf packet = MqttWriter.disconnect(alloc());
            channel.writeAndFlush(packet).addListener(ChannelFutureListener.CLOSE);
        } else if (channel != null && state != State.CLOSED) {
            state = State.CLOSING;
            channel.close();
        } else {
            state = State.CLOSED;
        }
    }

    /**
     * Drops the TCP connection without DISCONNECT (as a network failure would, so the broker keeps the session and
     * publishes the will) and connects again right after. Call on the client's loop.
     */
    public final void dropAndReconnect() {
        if (state == State.CONNECTED) {
            state = State.CLOSING;
            closingConnected = true;
            reconnectAfterClose = true;
            channel.close();
        }
    }

    // ---------------------------------------------------------------- writing

    protected final ByteBufAllocator alloc() {
        return channel != null ? channel.alloc() : ByteBufAllocator.DEFAULT;
    }

    /** Writes a packet; the flush follows at the end of this event-loop turn. Returns false if not connected. */
    protected final boolean send(ByteBuf packet) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            packet.release();
            return false;
        }
        ch.write(packet, ch.voidPromise());
        if (!dirty) {
            dirty = true;
            loop.markDirty(this);
        }
        return true;
    }

    final void flushNow(long nowNanos) {
        dirty = false;
        Channel ch = channel;
        if (ch != null) {
            ch.flush();
            lastFlushNanos = nowNanos;
        }
    }

    final void pingIfIdle(long nowNanos) {
        if (state == State.CONNECTED && nowNanos - lastFlushNanos > config.keepAliveSeconds * 500_000_000L) {
            send(MqttWriter.pingReq(alloc()));
        }
    }

    /** True when the socket takes more writes without growing past its high water mark. */
    protected final boolean writable() {
        Channel ch = channel;
        return ch != null && ch.isWritable();
    }

    // ---------------------------------------------------------------- hooks and defaults

    /** Called after an accepted CONNACK. */
    protected abstract void onReady(boolean sessionPresent, boolean reconnect);

    /** Called when an established connection ends without a DISCONNECT of ours. */
    protected void onLost() {
    }

    /** Called when the channel can take writes again. */
    protected void onWritable() {
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel() == channel && ctx.channel().isWritable()) {
            onWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.channel() == channel && closeReason == null) {
            closeReason = describe(cause);
        }
        ctx.close();
    }

    @Override
    public void onProtocolError(String message) {
        closeReason = "protocol error: " + message;
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public void onPublish(int qos, boolean dup, boolean retain, int packetId, ByteBuf topic, ByteBuf payload) {
        onProtocolError("unexpected PUBLISH");
    }

    @Override
    public void onPubAck(int packetId, int reasonCode) {
        onProtocolError("unexpected PUBACK");
    }

    @Override
    public void onPubRec(int packetId, int reasonCode) {
        onProtocolError("unexpected PUBREC");
    }

    @Override
    public void onPubRel(int packetId) {
        onProtocolError("unexpected PUBREL");
    }

    @Override
    public void onPubComp(int packetId) {
        onProtocolError("unexpected PUBCOMP");
    }

    @Override
    public void onSubAck(int packetId, ByteBuf returnCodes) {
        onProtocolError("unexpected SUBACK");
    }

    @Override
    public void onPingResp() {
    }

    @Override
    public void onServerDisconnect(int reasonCode) {
        closeReason = "server sent DISCONNECT, reason 0x" + Integer.toHexString(reasonCode);
    }

    static String describe(Throwable t) {
        if (t == null) {
            return "unknown";
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + clientId + " -> " + endpoint + ", " + state + "]";
    }
}
