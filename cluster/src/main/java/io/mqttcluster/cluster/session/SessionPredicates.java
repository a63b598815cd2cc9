package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicate;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/** Selections of sessions, evaluated where the entries live. */
public final class SessionPredicates {

    private SessionPredicates() {
    }

    abstract static class Base implements Predicate<String, SessionRecord>, IdentifiedDataSerializable {
        @Override
        public final int getFactoryId() {
            return SerializationIds.FACTORY_ID;
        }
    }

    /** Persistent sessions that have no connection. */
    public static final class Offline extends Base {
        public Offline() {
        }

        @Override
        public boolean apply(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            return rec != null && rec.owner == null;
        }

        @Override
        public void writeData(ObjectDataOutput out) {
        }

        @Override
        public void readData(ObjectDataInput in) {
        }

        @Override
        public int getClassId() {
            return SerializationIds.OFFLINE;
        }
    }

    /** Sessions whose owner is set and not among the live nodes. */
    public static final class OwnerNotLive extends Base {
        private Set<String> liveNodes;

        public OwnerNotLive() {
        }

        public OwnerNotLive(Set<String> liveNodes) {
            this.liveNodes = liveNodes;
        }

        @Override
        public boolean apply(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            return rec != null && rec.owner != null && !liveNodes.contains(rec.owner);
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            Wire.writeStrings(out, liveNodes);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            liveNodes = Wire.readStringSet(in);
        }

        @Override
        public int getClassId() {
            return SerializationIds.OWNER_NOT_LIVE;
        }
    }

    /** Offline sessions that expired, or whose delayed will is due. */
    public static final class ExpiryDue extends Base {
        private long nowMillis;

        public ExpiryDue() {
        }

        public ExpiryDue(long nowMillis) {
            this.nowMillis = nowMillis;
        }

        @Override
        public boolean apply(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            return rec != null && rec.due(nowMillis);
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeLong(nowMillis);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            nowMillis = in.readLong();
        }

        @Override
        public int getClassId() {
            return SerializationIds.EXPIRY_DUE;
        }
    }

    /** Sessions whose connection is held by one node. */
    public static final class OwnedBy extends Base {
        private String node;

        public OwnedBy() {
        }

        public OwnedBy(String node) {
            this.node = node;
        }

        @Override
        public boolean apply(Map.Entry<String, SessionRecord> entry) {
            SessionRecord rec = entry.getValue();
            return rec != null && node.equals(rec.owner);
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            Wire.writeString(out, node);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            node = Wire.readString(in);
        }

        @Override
        public int getClassId() {
            return SerializationIds.OWNED_BY;
        }
    }
}
