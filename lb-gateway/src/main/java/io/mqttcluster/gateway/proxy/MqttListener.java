package io.mqttcluster.gateway.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The MQTT-facing TCP listener: a Netty server on Vert.x's event loops. Each client connection and its node
 * connection live on one event loop (the node socket is opened from the client's loop), and once spliced,
 * bytes go from one socket to the other as the same buffers, flushed once per read batch.
 *
 * <p>Why not Vert.x's {@code NetServer}/{@code NetSocket} here: measured on this 2-core machine, the splice
 * through {@code NetSocket} handlers (a Vert.x buffer and a write future per read, a flush per write) gave
 * 0.64 of direct throughput where HAProxy gave 0.68; the raw pipeline is what HAProxy-class proxies do.
 * Vert.x still runs the control plane (health checks, discovery, HTTP).
 */
public final class MqttListener {

    /** Bytes queued towards one side before the other side stops being read. */
    static final int HIGH_WATER = 256 * 1024;

    private final ProxyServices px;
    private final VertxInternal vertx;
    private final java.util.List<io.netty.channel.Channel> servers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.List<AcceptGate> gates = new java.util.concurrent.CopyOnWriteArrayList<>();

    public MqttListener(ProxyServices px, Vertx vertx) {
        this.px = px;
        this.vertx = (VertxInternal) vertx;
    }

    /** Binds the plain listener; completes with the bound port. */
    public Future<Integer> listen(String host, int port) {
        return listen(host, port, null);
    }

    /** Binds a listener, with TLS when {@code tls} is set; completes with the bound port. */
    public Future<Integer> listen(String host, int port, GatewayTls tls) {
        long idleMs = px.options().idleTimeout().toMillis();
        // each listener has its own accept rate (limits.accept-rate); the per-source buckets are shared
        AcceptGate gate = new AcceptGate(px, System::nanoTime);
        gates.add(gate);
        ServerBootstrap b = new ServerBootstrap()
                // accepted on an event loop, not Vert.x's separate acceptor thread: no hand-over between threads
                // per connection
                .group(vertx.nettyEventLoopGroup(), vertx.nettyEventLoopGroup())
                .channelFactory(vertx.transport().serverChannelFactory(false))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // TCP_NODELAY is Netty's default on Linux; no SO_KEEPALIVE: the node's MQTT keepalive finds dead
                // clients and its close ends the splice (every socket option is a system call per connection)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(HIGH_WATER / 2, HIGH_WATER))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        gate.admit(ch, () -> {
                            if (tls != null) {
                                ch.pipeline().addLast("tls", tls.context().newHandler(ch.alloc()));
                            }
                            if (idleMs > 0) {
                                ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleMs, TimeUnit.MILLISECONDS));
                            }
                            ch.pipeline().addLast("client", new ClientConnection(px, ch, MqttListener.this::nodeBootstrap));
                        });
                    }
                });
        Promise<Integer> bound = Promise.promise();
        ChannelFuture f = b.bind(new InetSocketAddress(host, port));
        f.addListener(done -> {
            if (done.isSuccess()) {
                servers.add(f.channel());
                bound.complete(((InetSocketAddress) f.channel().localAddress()).getPort());
            } else {
                bound.fail(done.cause());
            }
        });
        return bound.future();
    }

    /**
     * A bootstrap for a node connection on the event loop of the client connection {@code client}, with
     * {@code handler} (the node's end of the splice) in place from the start.
     */
    private Bootstrap nodeBootstrap(io.netty.channel.Channel client, ChannelHandler handler) {
        return new Bootstrap()
                .group(client.eventLoop())
                .channelFactory(vertx.transport().channelFactory(false))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, px.options().nodeConnectTimeout().toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(HIGH_WATER / 2, HIGH_WATER))
                .handler(handler);
    }

    /** Accepted sockets waiting for their turn under an accept rate now, over every listener. */
    public int acceptWaiting() {
        return gates.stream().mapToInt(AcceptGate::waiting).sum();
    }

    /** The longest wait, over the listeners, that a socket accepted now would get from its listener's accept rate. */
    public long acceptWaitNanos() {
        return gates.stream().mapToLong(AcceptGate::currentWaitNanos).max().orElse(0);
    }

    /** Stops accepting; open connections stay until Vert.x closes its event loops. */
    public Future<Void> close() {
        java.util.List<Future<Void>> closed = new java.util.ArrayList<>();
        for (io.netty.channel.Channel c : servers) {
            Promise<Void> p = Promise.promise();
            c.close().addListener(f -> p.complete());
            closed.add(p.future());
        }
        servers.clear();
        return Future.all(closed).mapEmpty();
    }
}
