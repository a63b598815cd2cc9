package io.mqttcluster.broker.cluster;

import io.mqttcluster.cluster.forward.BufferDataInput;
import io.mqttcluster.cluster.forward.BufferDataOutput;
import io.mqttcluster.cluster.forward.FrameOutput;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages nodes send each other on the {@code ClusterBus}, and their encoding.
 *
 * <p>A <b>forward</b> carries one published message to a node, once, with what that node must do with
 * it: deliver it to its own matching subscribers (when a route matched), hand stored copies to persistent
 * sessions connected there (queue positions from the store), and give it to shared-subscription members
 * connected there that the publishing node picked.
 */
public final class ForwardCodec {

    /** Version of the FORWARD format; a node refuses a forward of a version it does not know. */
    static final byte FORWARD_VERSION = 2;
    private static final int MATCH_LOCAL = 1;
    private static final int MAY_BE_DUPLICATE = 2;

    public static final int FORWARD = 1;
    public static final int KICK = 2;
    public static final int SYNC = 3;

    private ForwardCodec() {
    }

    /** A stored copy for a persistent session connected on the receiving node. */
    public record Notice(String clientId, long epoch, QueuedMessage queued) {
    }

    /** A copy for a shared-subscription member connected on the receiving node. */
    public record SharedDelivery(String clientId, int qos, String shareKey) {
    }

    /**
     * One forward, decoded.
     *
     * @param matchLocal     deliver to the receiving node's own matching subscribers
     * @param mayBeDuplicate a QoS 2 message re-sent under its first id: skip it if already delivered
     */
    public record Forward(Message message, boolean matchLocal, boolean mayBeDuplicate, List<Notice> notices,
                          List<SharedDelivery> shared) {
    }

    /** A forward, written straight into the bus frame that carries it. */
    public static FrameOutput encodeForward(Message message, boolean matchLocal, boolean mayBeDuplicate, List<Notice> notices,
                                            List<SharedDelivery> shared) {
        FrameOutput out = new FrameOutput(FORWARD, 96 + 3 * message.topic().length() + message.payload().length);
        try {
            out.writeByte(FORWARD_VERSION);
            out.writeByte((matchLocal ? MATCH_LOCAL : 0) | (mayBeDuplicate ? MAY_BE_DUPLICATE : 0));
            message.writeTo(out);
            out.writeInt(notices == null ? 0 : notices.size());
            if (notices != null) {
                for (Notice n : notices) {
                    Message.writeString(out, n.clientId());
                    out.writeLong(n.epoch());
                    QueuedMessage q = n.queued();
                    out.writeLong(q.seq());
                    out.writeByte(q.qos());
                    out.writeByte(q.flags());
                    Message.writeString(out, q.shareGroup());
                    out.writeShort(q.subscriptionIds().length);
                    for (int id : q.subscriptionIds()) {
                        out.writeInt(id);
                    }
                }
            }
            out.writeInt(shared == null ? 0 : shared.size());
            if (shared != null) {
                for (SharedDelivery d : shared) {
                    Message.writeString(out, d.clientId());
                    out.writeByte(d.qos());
                    Message.writeString(out, d.shareKey());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public static Forward decodeForward(BufferDataInput in) throws IOException {
        int version = in.readByte();
        if (version != FORWARD_VERSION) {
            throw new IOException("unknown forward format version " + version);
        }
        int forwardFlags = in.readByte();
        Message m = Message.readFrom(in);
        int n = in.readInt();
        List<Notice> notices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String clientId = Message.readString(in);
            long epoch = in.readLong();
            long seq = in.readLong();
            int qos = in.readByte();
            int flags = in.readByte();
            String group = Message.readString(in);
            int[] ids = new int[in.readShort()];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = in.readInt();
            }
            notices.add(new Notice(clientId, epoch, new QueuedMessage(seq, m, qos, flags, group, ids)));
        }
        int s = in.readInt();
        List<SharedDelivery> shared = new ArrayList<>(s);
        for (int i = 0; i < s; i++) {
            shared.add(new SharedDelivery(Message.readString(in), in.readByte(), Message.readString(in)));
        }
        return new Forward(m, (forwardFlags & MATCH_LOCAL) != 0, (forwardFlags & MAY_BE_DUPLICATE) != 0, notices, shared);
    }

    public static Buffer encodeKick(String clientId, long epoch) {
        BufferDataOutput out = new BufferDataOutput(Buffer.buffer());
        try {
            Message.writeString(out, clientId);
            out.writeLong(epoch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.buffer();
    }

    /** A subscription-table change pushed to every node so it is visible before the SUBACK. */
    public record Sync(int table, String key, String value) {
        public static final int ROUTE = 1;
        public static final int DURABLE = 2;
        public static final int SHARED = 3;
    }

    public static Buffer encodeSync(List<Sync> changes) {
        BufferDataOutput out = new BufferDataOutput(Buffer.buffer());
        try {
            out.writeInt(changes.size());
            for (Sync c : changes) {
                out.writeByte(c.table());
                Message.writeString(out, c.key());
                Message.writeString(out, c.value());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.buffer();
    }

    public static List<Sync> decodeSync(BufferDataInput in) throws IOException {
        int n = in.readInt();
        List<Sync> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Sync(in.readByte(), Message.readString(in), Message.readString(in)));
        }
        return out;
    }
}
