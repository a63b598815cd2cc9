package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.protocol.ProtocolServices;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The MQTT TCP listener: a Netty server on Vert.x's own event loops (so each connection's Vert.x context
 * runs on the loop that owns its socket), with Netty's MQTT codec, the same codec vertx-mqtt wraps.
 *
 * <p>The pipeline of a connection, in order:
 * <pre>
 *   proxy-start, proxy
 *            ProxyHeaderStart, HAProxyMessageDecoder
 *                                      (plain TCP with mqtt.proxy-protocol, from a source in
 *                                       mqtt.proxy-protocol-trusted: the client's own address and TLS identity
 *                                       from the gateway, closed at the first byte that cannot begin a header;
 *                                       from any other source, ProxySources' guard, which closes a connection
 *                                       that starts with a PROXY header)
 *   bytes    byte counters             (mqtt_network_received_bytes_total / mqtt_network_sent_bytes_total)
 *   tls      SslHandler                (TLS and WSS listeners)
 *   http, http-aggregator, websocket, frames
 *                                      (WS and WSS: the HTTP upgrade on ws.path, subprotocol "mqtt", then
 *                                       binary frames to and from bytes)
 *   connect-limit BytesBeforeConnack   (mqtt.max-bytes-before-connack; removed at CONNACK)
 *   packets  MqttFrames                (whole packets only, so the decoder never replays a partial one; refuses a
 *                                       too-long packet and a server-only packet type at the fixed header)
 *   decoder  MqttDecoder               (mqtt.max-packet-size; rejects a too-long packet before reading it)
 *   encoder  MqttEncoder
 *   handler  MqttConnection            (the socket's owner; talks to the protocol ClientProtocol; one flush per
 *                                       read batch or loop turn)
 * </pre>
 * The CONNECT deadline and the keepalive are checked by one sweep per event loop ({@link KeepAlive}).
 *
 * <p>Why not vertx-mqtt's {@code MqttListener}: measured here, each idle connection cost about 19 KB of
 * resident memory, a quarter of it in the Vert.x socket's inbound queue (a 1,024-slot array per
 * connection); and every outgoing PUBLISH copied its payload three times and allocated a future. This
 * pipeline has neither, keeps the same codec, and lets the broker see packets a client sends before its
 * CONNACK instead of closing the connection.
 */
public final class MqttListener {

    static final String DECODER = "decoder";
    static final String CONNECT_LIMIT = "connect-limit";

    private final ProtocolServices services;
    private final VertxInternal vertx;
    private final Map<EventLoop, ContextInternal> contexts = new ConcurrentHashMap<>();
    private final Map<EventLoop, KeepAlive> keepAlives = new ConcurrentHashMap<>();
    private final ChannelGroup clients = new DefaultChannelGroup("mqtt-clients", GlobalEventExecutor.INSTANCE);
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final java.util.List<io.netty.channel.Channel> serverChannels = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ProxySources proxySources;
    private final LongAdder tooMuchBeforeConnack = new LongAdder();
    /** Counts the bytes of every connection of every listener. */
    private final ChannelHandler counter = new ByteCounter();

    /** What a listener speaks below MQTT. */
    public enum Transport {
        /** Plain TCP; with mqtt.proxy-protocol, a PROXY header first. */
        TCP,
        /** TLS (tls.port). */
        TLS,
        /** WebSocket (ws.port, ws.path). */
        WS,
        /** WebSocket over TLS (wss.port). */
        WSS
    }

    public MqttListener(ProtocolServices services) {
        this.services = services;
        this.vertx = (VertxInternal) services.vertx();
        this.proxySources = new ProxySources(services.config().proxyProtocolTrusted());
    }

    /** Connections closed for sending more than mqtt.max-bytes-before-connack before their CONNACK. */
    public LongAdder tooMuchBeforeConnack() {
        return tooMuchBeforeConnack;
    }

    /** PROXY headers refused because their source is not in mqtt.proxy-protocol-trusted. */
    public LongAdder proxyHeadersRefused() {
        return proxySources.refused();
    }

    public LongAdder bytesIn() {
        return bytesIn;
    }

    public LongAdder bytesOut() {
        return bytesOut;
    }

    /** Binds the plain TCP listener; a port of 0 picks one. Completes with the bound port. */
    public Future<Integer> listen(String host, int port) {
        return listen(host, port, Transport.TCP, null);
    }

    /**
     * Binds a listener; a port of 0 picks one. Completes with the bound port.
     *
     * @param tls the certificate for TLS and WSS; null otherwise
     */
    public Future<Integer> listen(String host, int port, Transport transport, TlsContext tls) {
        if (transport == Transport.TCP && services.config().proxyProtocol()) {
            return proxySources.start(vertx).compose(v -> bind(host, port, transport, tls));
        }
        return bind(host, port, transport, tls);
    }

    private Future<Integer> bind(String host, int port, Transport transport, TlsContext tls) {
        int high = services.config().maxPendingBytes();
        ServerBootstrap b = new ServerBootstrap()
                .group(vertx.acceptorEventLoopGroup(), vertx.nettyEventLoopGroup())
                .channelFactory(vertx.transport().serverChannelFactory(false))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // reads of at most 16 KB: what a flooding client gets in before its reading pauses
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new io.netty.channel.AdaptiveRecvByteBufAllocator(64, 2048, 16 * 1024))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        clients.add(ch);
                        InetSocketAddress source = (InetSocketAddress) ch.remoteAddress();
                        boolean trusted = source != null && proxySources.trusts(source.getAddress());
                        initPipeline(ch, transport, tls, ch.eventLoop(), trusted);
                    }
                });
        Promise<Integer> bound = Promise.promise();
        ChannelFuture f = b.bind(new InetSocketAddress(host, port));
        f.addListener(done -> {
            if (done.isSuccess()) {
                serverChannels.add(f.channel());
                bound.complete(((InetSocketAddress) f.channel().localAddress()).getPort());
            } else {
                bound.fail(done.cause());
            }
        });
        return bound.future();
    }

    /**
     * Builds the pipeline of one connection (see the class comment). {@code loop} is the event loop whose Vert.x
     * context owns the connection: the channel's own, except in the fuzz tests, which drive an embedded channel from
     * a real event loop. {@code proxyTrusted}: the connection comes from a source in mqtt.proxy-protocol-trusted.
     */
    void initPipeline(Channel ch, Transport transport, TlsContext tls, EventLoop loop, boolean proxyTrusted) {
        int maxPacket = services.config().maxPacketSize();
        int maxClientId = services.config().maxClientIdLength();
        long connectTimeoutMillis = services.config().connectTimeoutMillis();
        boolean proxy = transport == Transport.TCP && services.config().proxyProtocol();
        String wsPath = services.config().wsPath();
        long beforeConnack = services.config().maxBytesBeforeConnack();
        if (proxy) {
            if (proxyTrusted) {
                ch.pipeline().addLast("proxy-start", new ProxyHeaderStart());
                ch.pipeline().addLast("proxy", new HAProxyMessageDecoder());
            } else {
                ch.pipeline().addLast("proxy", proxySources.guard());
            }
        }
        ch.pipeline().addLast("bytes", counter);
        if (transport == Transport.TLS || transport == Transport.WSS) {
            ch.pipeline().addLast("tls", tls.context().newHandler(ch.alloc()));
        }
        if (transport == Transport.WS || transport == Transport.WSS) {
            ch.pipeline().addLast("http", new HttpServerCodec());
            ch.pipeline().addLast("http-aggregator", new HttpObjectAggregator(8192));
            ch.pipeline().addLast("websocket", new WebSocketServerProtocolHandler(
                    WebSocketServerProtocolConfig.newBuilder()
                            .websocketPath(wsPath)
                            .subprotocols("mqtt,mqttv3.1")
                            .maxFramePayloadLength(maxPacket)
                            .handshakeTimeoutMillis(connectTimeoutMillis)
                            .build()));
            ch.pipeline().addLast("frames", new WebSocketFrames());
        }
        ch.pipeline().addLast(CONNECT_LIMIT, new BytesBeforeConnack(beforeConnack, tooMuchBeforeConnack));
        ch.pipeline().addLast("packets", new MqttFrames(maxPacket));
        ch.pipeline().addLast(DECODER, new MqttDecoder(maxPacket, maxClientId));
        ch.pipeline().addLast("encoder", MqttEncoder.INSTANCE);
        ch.pipeline().addLast("handler", new MqttConnection(services, contextFor(loop), keepAliveFor(loop), connectTimeoutMillis));
    }

    /** One keepalive sweep per event loop. */
    private KeepAlive keepAliveFor(EventLoop loop) {
        return keepAlives.computeIfAbsent(loop, KeepAlive::new);
    }

    /** One Vert.x context per event loop, shared by the connections on it. */
    private ContextInternal contextFor(EventLoop loop) {
        return contexts.computeIfAbsent(loop, l -> vertx.contextBuilder()
                .withThreadingModel(ThreadingModel.EVENT_LOOP).withEventLoop(l).build());
    }

    /** Stops accepting on every listener; open connections stay (the node closes them through their channels). */
    public Future<Void> stopAccepting() {
        java.util.List<Future<Void>> closed = new java.util.ArrayList<>();
        for (io.netty.channel.Channel c : serverChannels) {
            Promise<Void> p = Promise.promise();
            c.close().addListener(f -> p.complete());
            closed.add(p.future());
        }
        serverChannels.clear();
        return Future.all(closed).mapEmpty();
    }

    /** Closes every connection's socket (after the channels were given their chance to end cleanly). */
    public void closeAll() {
        clients.close().awaitUninterruptibly(5_000);
    }

    /** Counts bytes in and out of every connection; shared by all pipelines. */
    @ChannelHandler.Sharable
    private final class ByteCounter extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                bytesIn.add(b.readableBytes());
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf b) {
                bytesOut.add(b.readableBytes());
            }
            ctx.write(msg, promise);
        }
    }
}
