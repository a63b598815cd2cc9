package io.mqttcluster.gateway.proxy;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Admits the sockets one listener accepts: first the cap on open connections ({@code limits.max-connections}, a full
 * gateway refuses), then two rates that make a socket wait for its turn instead of closing it, as EMQX's
 * {@code max_conn_rate} slows its acceptor down: the listener's own ({@code limits.accept-rate}) and, when set, the
 * source address's ({@code limits.rate-per-source}).
 *
 * <p>How a socket waits: it is accepted by the kernel and by Netty, but not read ({@code autoRead} off) and given no
 * handler, so its CONNECT (or TLS handshake) stays in the kernel's buffer; a timer on its own event loop admits it
 * when its token is due: the buckets hand out future tokens in order ({@link TokenBucket#reserve}), so the waiting
 * sockets are let in one by one at the rate, never all at once. Nothing blocks an event loop. A socket whose wait would
 * be longer than {@code limits.accept-max-wait} is refused at once (closed and counted), so a flood holds at most
 * rate x max-wait sockets per listener. A socket waiting holds its max-connections slot; the CONNECT deadline starts
 * when it is admitted. The client sees a TCP connection whose CONNACK comes late, which every MQTT client waits for
 * (its connect timeout, 30 s in Paho and MQTT.js, should stay above the max wait).
 *
 * <p>Threads: {@link #admit} runs on the accepted socket's event loop, the timer and the close listener too; the
 * listener's bucket is shared by every event loop and used under its lock.
 */
final class AcceptGate {
    /** Which rate made a socket wait: the metric label. */
    enum Limit {
        LISTENER, SOURCE;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final ProxyServices px;
    private final LongSupplier clock;
    /** Null when the listener has no rate. */
    private final TokenBucket listenerRate;
    private final long maxWaitNanos;
    private final AtomicInteger waiting = new AtomicInteger();

    AcceptGate(ProxyServices px, LongSupplier nanoClock) {
        this.px = px;
        this.clock = nanoClock;
        double rate = px.options().acceptRate();
        this.listenerRate = rate > 0 ? new TokenBucket(rate, px.options().acceptBurst(), nanoClock.getAsLong()) : null;
        this.maxWaitNanos = px.options().acceptMaxWait().toNanos();
    }

    /** Admits {@code socket}: runs {@code admitted} on its event loop now or once its turn came, or refuses it. */
    void admit(SocketChannel socket, Runnable admitted) {
        px.metrics().accepted();
        if (!px.connectionLimit().tryAcquire()) {
            Rejections.refuse(px, socket, RejectReason.MAX_CONNECTIONS);
            return;
        }
        InetSocketAddress remote = socket.remoteAddress();
        String ip = remote == null || remote.getAddress() == null ? "unknown" : remote.getAddress().getHostAddress();
        long sourceWait = px.rateLimiter().reserve(ip, maxWaitNanos);
        if (sourceWait < 0) {
            px.connectionLimit().release();
            Rejections.refuse(px, socket, RejectReason.RATE_LIMITED);
            return;
        }
        long listenerWait = reserveListener();
        if (listenerWait < 0) {
            px.rateLimiter().cancel(ip);
            px.connectionLimit().release();
            Rejections.refuse(px, socket, RejectReason.ACCEPT_RATE_LIMITED);
            return;
        }
        long wait = Math.max(sourceWait, listenerWait);
        if (wait == 0) {
            admitted.run();
            return;
        }
        px.metrics().acceptDelayed(sourceWait > listenerWait ? Limit.SOURCE.label() : Limit.LISTENER.label(), wait);
        new Waiting(socket, admitted).start(wait);
    }

    private long reserveListener() {
        if (listenerRate == null) {
            return 0;
        }
        synchronized (listenerRate) {
            return listenerRate.reserve(clock.getAsLong(), maxWaitNanos);
        }
    }

    /** How long a socket accepted now would wait for the listener's rate, in nanoseconds. */
    long currentWaitNanos() {
        if (listenerRate == null) {
            return 0;
        }
        synchronized (listenerRate) {
            return listenerRate.currentWait(clock.getAsLong());
        }
    }

    /** Sockets of this listener waiting for their turn now. */
    int waiting() {
        return waiting.get();
    }

    /** One socket waiting for its turn; ends once, by its timer or by the socket's close, on the socket's event loop. */
    private final class Waiting implements Runnable, ChannelFutureListener {
        private final SocketChannel socket;
        private final Runnable admitted;
        private ScheduledFuture<?> timer;
        private boolean ended;

        Waiting(SocketChannel socket, Runnable admitted) {
            this.socket = socket;
            this.admitted = admitted;
        }

        void start(long waitNanos) {
            socket.config().setAutoRead(false);
            waiting.incrementAndGet();
            timer = socket.eventLoop().schedule(this, waitNanos, TimeUnit.NANOSECONDS);
            socket.closeFuture().addListener(this);
        }

        /** The turn came. */
        @Override
        public void run() {
            if (ended) {
                return;
            }
            ended = true;
            waiting.decrementAndGet();
            socket.closeFuture().removeListener(this);
            if (!socket.isOpen()) {
                px.connectionLimit().release();
                return;
            }
            admitted.run();
            socket.config().setAutoRead(true);
        }

        /** The client gave up (or the gateway stops) while waiting: its slot is free again. */
        @Override
        public void operationComplete(ChannelFuture closed) {
            if (ended) {
                return;
            }
            ended = true;
            waiting.decrementAndGet();
            timer.cancel(false);
            px.connectionLimit().release();
        }
    }
}
