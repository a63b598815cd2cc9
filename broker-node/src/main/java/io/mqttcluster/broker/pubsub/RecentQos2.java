package io.mqttcluster.broker.pubsub;

import io.mqttcluster.cluster.message.Message;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of the last QoS 2 messages this node handed to its clean-session subscribers. When a QoS 2
 * publisher re-sends a message whose first routing a crashed node had begun (the re-send carries the
 * first message id), a node that already delivered it does not deliver it again [MQTT-4.3.3-2]; nor when the
 * first routing arrives after the re-send's (a node that stood still in the middle of it and then went on). Bounded:
 * beyond {@link #CAPACITY} newer messages an id is forgotten, and such a late re-send may be delivered a
 * second time (never lost). Thread-safe.
 */
public final class RecentQos2 {

    static final int CAPACITY = 65_536;

    /** A message id, and the shared-group member it went to (null: this node's direct subscribers). */
    private record Id(long high, long low, String member) {
    }

    private final Map<Id, Boolean> ids = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Id, Boolean> eldest) {
            return size() > CAPACITY;
        }
    };

    /**
     * Remembers that a message went to this node's direct subscribers ({@code member} null) or to one member of a
     * shared group; returns false when it had (a second copy). A shared message may go to another member later
     * (its first member left): that is a different entry.
     */
    public synchronized boolean firstTime(Message m, String member) {
        return ids.put(new Id(m.idHigh(), m.idLow(), member), Boolean.TRUE) == null;
    }
}
