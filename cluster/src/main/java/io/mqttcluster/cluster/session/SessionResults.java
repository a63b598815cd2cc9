package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.ClusterSerialization;
import io.mqttcluster.cluster.message.Message;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the session processors return. Plain data; built on the partition thread, read by the caller. */
public final class SessionResults {

    private SessionResults() {
    }

    /** The outcome of taking a client id: what was there before and what the new connection resumes. */
    public static final class ClaimResult implements IdentifiedDataSerializable {
        String previousOwner;
        long previousEpoch;
        Message previousWill;
        long epoch;
        boolean sessionPresent;
        Map<String, SubOptions> subscriptions = new LinkedHashMap<>();
        /** Subscriptions of a persistent session that a clean start discarded (their cluster entries go too). */
        List<String> discardedSubscriptions = new ArrayList<>();

        public ClaimResult() {
        }

        /** Node that held the client id's connection, or null. */
        public String previousOwner() {
            return previousOwner;
        }

        public long previousEpoch() {
            return previousEpoch;
        }

        /**
         * The will of the connection this claim replaced. A takeover discards it; but when that connection's
         * node is gone (crashed before the survivors released its sessions), it is published.
         */
        public Message previousWill() {
            return previousWill;
        }

        /** The epoch of the new connection. */
        public long epoch() {
            return epoch;
        }

        public boolean sessionPresent() {
            return sessionPresent;
        }

        public Map<String, SubOptions> subscriptions() {
            return subscriptions;
        }

        public List<String> discardedSubscriptions() {
            return discardedSubscriptions;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            Message.writeString(out, previousOwner);
            out.writeLong(previousEpoch);
            out.writeBoolean(previousWill != null);
            if (previousWill != null) {
                previousWill.writeTo(out);
            }
            out.writeLong(epoch);
            out.writeBoolean(sessionPresent);
            out.writeInt(subscriptions.size());
            for (Map.Entry<String, SubOptions> e : subscriptions.entrySet()) {
                Message.writeString(out, e.getKey());
                e.getValue().writeTo(out);
            }
            out.writeInt(discardedSubscriptions.size());
            for (String f : discardedSubscriptions) {
                Message.writeString(out, f);
            }
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            previousOwner = Message.readString(in);
            previousEpoch = in.readLong();
            previousWill = in.readBoolean() ? Message.readFrom(in) : null;
            epoch = in.readLong();
            sessionPresent = in.readBoolean();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                subscriptions.put(Message.readString(in), SubOptions.readFrom(in));
            }
            n = in.readInt();
            for (int i = 0; i < n; i++) {
                discardedSubscriptions.add(Message.readString(in));
            }
        }

        @Override
        public int getFactoryId() {
            return ClusterSerialization.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.CLAIM_RESULT;
        }
    }

    /** A resumed session's queue, in order. */
    public static final class SnapshotResult implements IdentifiedDataSerializable {
        List<QueuedMessage> queue = new ArrayList<>();

        public SnapshotResult() {
        }

        public List<QueuedMessage> queue() {
            return queue;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeInt(queue.size());
            for (QueuedMessage q : queue) {
                q.writeTo(out);
            }
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                queue.add(QueuedMessage.readFrom(in));
            }
        }

        @Override
        public int getFactoryId() {
            return ClusterSerialization.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.SNAPSHOT_RESULT;
        }
    }

    /** The outcome of a connection ending: the will to publish, if any. */
    public static final class ReleaseResult implements IdentifiedDataSerializable {
        boolean released;
        Message will;
        int willDelaySeconds;
        String clientId;
        /** Subscriptions of a session that ended with its connection (their cluster entries go too). */
        List<String> endedSubscriptions = new ArrayList<>();

        public ReleaseResult() {
        }

        /** False when the connection was no longer the session's owner (taken over): nothing was changed. */
        public boolean released() {
            return released;
        }

        public Message will() {
            return will;
        }

        public int willDelaySeconds() {
            return willDelaySeconds;
        }

        public String clientId() {
            return clientId;
        }

        public List<String> endedSubscriptions() {
            return endedSubscriptions;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeBoolean(released);
            out.writeBoolean(will != null);
            if (will != null) {
                will.writeTo(out);
            }
            out.writeInt(willDelaySeconds);
            Message.writeString(out, clientId);
            out.writeInt(endedSubscriptions.size());
            for (String f : endedSubscriptions) {
                Message.writeString(out, f);
            }
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            released = in.readBoolean();
            will = in.readBoolean() ? Message.readFrom(in) : null;
            willDelaySeconds = in.readInt();
            clientId = Message.readString(in);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                endedSubscriptions.add(Message.readString(in));
            }
        }

        @Override
        public int getFactoryId() {
            return ClusterSerialization.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.RELEASE_RESULT;
        }
    }

    /** The outcome of queueing one message for one session. */
    public static final class AppendResult implements IdentifiedDataSerializable {
        public static final int APPENDED = 0;
        public static final int DUPLICATE = 1;
        public static final int DROPPED_NEW = 2;

        int status;
        long seq;
        String owner;
        long epoch;
        int droppedOldest;

        public AppendResult() {
        }

        AppendResult(int status, long seq, String owner, long epoch, int droppedOldest) {
            this.status = status;
            this.seq = seq;
            this.owner = owner;
            this.epoch = epoch;
            this.droppedOldest = droppedOldest;
        }

        public int status() {
            return status;
        }

        /** The message's sequence number in the queue (for DUPLICATE: the earlier copy's). */
        public long seq() {
            return seq;
        }

        /** The node holding the session's connection, to which the message is to be sent now; null if offline. */
        public String owner() {
            return owner;
        }

        public long epoch() {
            return epoch;
        }

        /** How many of the oldest messages were dropped to make room (queue full, drop-oldest policy). */
        public int droppedOldest() {
            return droppedOldest;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeByte(status);
            out.writeLong(seq);
            Message.writeString(out, owner);
            out.writeLong(epoch);
            out.writeInt(droppedOldest);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            status = in.readByte();
            seq = in.readLong();
            owner = Message.readString(in);
            epoch = in.readLong();
            droppedOldest = in.readInt();
        }

        @Override
        public int getFactoryId() {
            return ClusterSerialization.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return ClusterSerialization.APPEND_RESULT;
        }
    }
}
