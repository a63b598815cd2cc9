package io.mqttcluster.cluster.forward;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a socket's bytes into length-prefixed {@link BusFrames} and hands each to a {@link Sink} in place
 * (no copy), then tells the sink the read batch ended, so it can answer once per batch (one ACK for many
 * frames). Only the bytes of an incomplete frame at the end of a read are kept (copied) for the next read.
 * A frame whose length is above the current limit closes the connection as soon as its length is read, before
 * any of it is kept: {@link BusFrames#HANDSHAKE_MAX_FRAME} until the sink raises it with {@link #maxFrame}.
 * Runs on the socket's event loop.
 */
final class FrameReader implements Handler<Buffer> {

    private static final Logger log = LoggerFactory.getLogger(FrameReader.class);
    /** Anyone who reaches the port can send a bad length: one line per 10 s. */
    private static final RateLimitedLog badLengthLog = new RateLimitedLog(10, java.util.concurrent.TimeUnit.SECONDS);

    interface Sink {
        /**
         * One frame: {@code buf} from {@code start} (its type byte) to {@code end}; valid only during the
         * call. Returns false to stop reading (the sink closed the socket).
         */
        boolean frame(Buffer buf, int start, int end);

        /** Every complete frame of one read was handed over. */
        void endOfBatch();
    }

    private final NetSocket socket;
    private final Sink sink;
    private Buffer partial;
    private boolean stopped;
    private int maxFrame = BusFrames.HANDSHAKE_MAX_FRAME;

    FrameReader(NetSocket socket, Sink sink) {
        this.socket = socket;
        this.sink = sink;
    }

    /** Sets the largest frame accepted from now on (the handshake is done); on the event loop. */
    void maxFrame(int bytes) {
        maxFrame = bytes;
    }

    @Override
    public void handle(Buffer chunk) {
        if (stopped) {
            return;
        }
        Buffer buf = partial == null ? chunk : partial.appendBuffer(chunk);
        int len = buf.length();
        int pos = 0;
        while (len - pos >= 4) {
            int n = buf.getInt(pos);
            if (n <= 0 || n > maxFrame) {
                long left = badLengthLog.tryLog();
                if (left >= 0) {
                    log.warn("event=bus_bad_frame remote={} length={} max_length={} not_logged_since_last={}",
                            socket.remoteAddress(), n, maxFrame, left);
                }
                stop();
                return;
            }
            if (len - pos - 4 < n) {
                break;
            }
            if (!sink.frame(buf, pos + 4, pos + 4 + n)) {
                stop();
                return;
            }
            pos += 4 + n;
        }
        if (pos == len) {
            partial = null;
        } else if (pos > 0 || buf != partial) {
            partial = buf.getBuffer(pos, len); // our own copy: the chunk is not ours to keep
        } // else: a large frame still arriving, already in our own buffer
        sink.endOfBatch();
    }

    private void stop() {
        stopped = true;
        partial = null;
        socket.close();
    }
}
