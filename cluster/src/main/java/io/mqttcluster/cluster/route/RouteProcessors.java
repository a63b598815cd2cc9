package io.mqttcluster.cluster.route;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicate;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Server-side helpers for the route tables. */
public final class RouteProcessors {

    /** Separates the parts of a composite key; no client id, filter or group can contain it. */
    public static final char SEP = '\0';

    private RouteProcessors() {
    }

    /** Node id of a key whose last part is a node id. */
    public static String nodeOf(String key) {
        return key.substring(key.lastIndexOf(SEP) + 1);
    }

    /** Selects entries whose key ends with the id of a node that is not live. */
    public static final class KeyNodeNotIn<V> implements Predicate<String, V>, IdentifiedDataSerializable {
        Set<String> liveNodes;

        public KeyNodeNotIn() {
        }

        public KeyNodeNotIn(Set<String> liveNodes) {
            this.liveNodes = liveNodes;
        }

        @Override
        public boolean apply(Map.Entry<String, V> entry) {
            return !liveNodes.contains(nodeOf(entry.getKey()));
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeInt(liveNodes.size());
            for (String n : liveNodes) {
                Wire.writeString(out, n);
            }
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            int n = in.readInt();
            liveNodes = new HashSet<>(n * 2);
            for (int i = 0; i < n; i++) {
                liveNodes.add(Wire.readString(in));
            }
        }

        @Override
        public int getFactoryId() {
            return SerializationIds.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return SerializationIds.ROUTE_KEY_NODE_IN;
        }
    }
}
