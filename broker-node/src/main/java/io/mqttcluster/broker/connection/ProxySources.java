package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.config.SourceList;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * Who may send a PROXY protocol header (mqtt.proxy-protocol-trusted): a header names the client's address and,
 * from the gateway's TLS termination, its certificate name, which may be its user name. Only the gateways may
 * say that. A connection from a trusted source must start with a header; any other source connects as itself,
 * and one that starts with a header anyway is closed and counted ({@code mqtt_proxy_headers_refused_total}).
 *
 * <p>Host names are resolved on a worker thread when the listener starts and every {@link #REFRESH_MILLIS}
 * after, so a Kubernetes headless service follows its pods; a failed lookup keeps the last answer.
 */
public final class ProxySources {

    private static final Logger log = LoggerFactory.getLogger(ProxySources.class);
    static final long REFRESH_MILLIS = 30_000;

    private final SourceList list;
    private final LongAdder refused = new LongAdder();
    private volatile Set<InetAddress> resolved = Set.of();

    public ProxySources(SourceList list) {
        this.list = list;
    }

    /** Resolves the host names now and then every 30 s; completes after the first lookup. */
    public Future<Void> start(Vertx vertx) {
        if (list.hostNames().isEmpty()) {
            return Future.succeededFuture();
        }
        vertx.setPeriodic(REFRESH_MILLIS, id -> resolve(vertx));
        return resolve(vertx);
    }

    private Future<Void> resolve(Vertx vertx) {
        return vertx.<Set<InetAddress>>executeBlocking(() -> {
            Set<InetAddress> out = new HashSet<>();
            for (String name : list.hostNames()) {
                try {
                    out.addAll(Set.of(InetAddress.getAllByName(name)));
                } catch (UnknownHostException e) {
                    log.warn("event=proxy_source_unresolved host={} error=\"{}\"", name, e.getMessage());
                }
            }
            return out;
        }, false).map(addresses -> {
            if (!addresses.isEmpty() || resolved.isEmpty()) {
                if (!addresses.equals(resolved)) {
                    log.info("event=proxy_sources_resolved addresses={}", addresses);
                }
                resolved = Set.copyOf(addresses);
            }
            return (Void) null;
        }).otherwiseEmpty();
    }

    public boolean trusts(InetAddress source) {
        return list.inRanges(source) || resolved.contains(source);
    }

    /** PROXY headers refused from untrusted sources. */
    public LongAdder refused() {
        return refused;
    }

    /**
     * The first handler of a connection from an untrusted source: if its first byte may start a PROXY header
     * ({@link ProxyHeaderStart#mayStartHeader}; an MQTT connection starts with CONNECT, 0x10), closes it;
     * otherwise steps aside.
     */
    ChannelInboundHandlerAdapter guard() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf b && b.isReadable()) {
                    if (ProxyHeaderStart.mayStartHeader(b.getByte(b.readerIndex()))) {
                        ReferenceCountUtil.release(msg);
                        refused.increment();
                        BadInputLog.report(String.valueOf(ctx.channel().remoteAddress()),
                                new IllegalStateException("PROXY header from a source not in mqtt.proxy-protocol-trusted"));
                        ctx.close();
                        return;
                    }
                    ctx.pipeline().remove(this);
                }
                ctx.fireChannelRead(msg);
            }
        };
    }
}
