package io.mqttcluster.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one event-loop group of a bench run (default one thread) and the socket settings of its connections.
 * Clients are spread round-robin over the loops; each client stays on its loop for its whole life.
 */
public final class Transport implements AutoCloseable {
    private final MultiThreadIoEventLoopGroup group;
    private final Class<? extends Channel> channelClass;
    private final String kind;
    private final List<LoopContext> loops = new ArrayList<>();
    private final AtomicInteger nextLoop = new AtomicInteger();
    private final SourceAddresses sourceAddresses;
    private final int connectTimeoutMillis;

    public Transport(int threads, String transport, SourceAddresses sourceAddresses, int connectTimeoutMillis) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
        String wanted = transport == null ? "auto" : transport.toLowerCase(Locale.ROOT);
        boolean epoll;
        switch (wanted) {
            case "auto":
                epoll = Epoll.isAvailable();
                break;
            case "epoll":
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("epoll transport not available: " + Epoll.unavailabilityCause());
                }
                epoll = true;
                break;
            case "nio":
                epoll = false;
                break;
            default:
                throw new IllegalArgumentException("unknown transport '" + transport + "' (auto, epoll or nio)");
        }
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(threads, new BenchThreadFactory(), factory);
        this.channelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.kind = epoll ? "epoll" : "nio";
        this.sourceAddresses = sourceAddresses;
        this.connectTimeoutMillis = connectTimeoutMillis;
        int i = 0;
        for (var executor : group) {
            loops.add(new LoopContext((EventLoop) executor, i++));
        }
    }

    /** "epoll" or "nio". */
    public String kind() {
        return kind;
    }

    public int threads() {
        return loops.size();
    }

    public List<LoopContext> loops() {
        return loops;
    }

    public SourceAddresses sourceAddresses() {
        return sourceAddresses;
    }

    /** The loop the next new client lives on (round-robin). */
    public LoopContext nextLoop() {
        return loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
    }

    /** Opens a TCP connection for {@code client} on its loop; the client's handlers are installed by the initializer. */
    ChannelFuture connect(MqttClient client, Endpoint endpoint) {
        Bootstrap bootstrap = new Bootstrap()
                .group(client.loopContext().loop())
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .handler(client.initializer());
        InetSocketAddress local = sourceAddresses.nextFor(endpoint);
        if (local != null) {
            bootstrap.option(ChannelOption.SO_REUSEADDR, true);
            return bootstrap.connect(endpoint.address(), local);
        }
        return bootstrap.connect(endpoint.address());
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class BenchThreadFactory implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new io.netty.util.concurrent.FastThreadLocalThread(r, "bench-loop-" + count.getAndIncrement());
            t.setDaemon(true);
            return t;
        }
    }
}
