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
 * Runs on the socket's event loop.
 */
final class FrameReader implements Handler<Buffer> {

    private static final Logger log = LoggerFactory.getLogger(FrameReader.class);

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

    FrameReader(NetSocket socket, Sink sink) {
        this.socket = socket;
        this.sink = sink;
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
            if (n <= 0 || n > BusFrames.MAX_FRAME) {
                log.warn("event=bus_bad_frame remote={} length={}", socket.remoteAddress(), n);
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
