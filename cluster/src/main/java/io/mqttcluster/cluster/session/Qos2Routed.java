package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.serial.SerializationIds;

import java.util.Map;

/**
 * A received QoS 2 message went everywhere it goes: a re-send of its packet id now gets PUBREC and nothing
 * else. Returns false when the connection of {@code epoch} is no longer the session's.
 */
public final class Qos2Routed extends PacketIdOp<Boolean> {

    public Qos2Routed() {
    }

    public Qos2Routed(long epoch, int packetId) {
        super(epoch, packetId);
    }

    @Override
    public Boolean process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null || rec.epoch != epoch) {
            return false;
        }
        if (rec.inbound().routed(packetId)) {
            entry.setValue(rec.changed());
        }
        return true;
    }

    @Override
    public int getClassId() {
        return SerializationIds.QOS2_ROUTED;
    }
}
