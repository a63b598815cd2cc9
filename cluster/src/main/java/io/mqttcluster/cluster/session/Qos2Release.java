package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.serial.SerializationIds;

import java.util.Map;

/**
 * PUBREL: the client released a QoS 2 packet id, which may now carry a new message. Must be stored before
 * PUBCOMP goes out, or a later message reusing the id would be taken for a re-send. Returns false when the
 * connection of {@code epoch} is no longer the session's.
 */
public final class Qos2Release extends PacketIdOp<Boolean> {

    public Qos2Release() {
    }

    public Qos2Release(long epoch, int packetId) {
        super(epoch, packetId);
    }

    @Override
    public Boolean process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null || rec.epoch != epoch) {
            return false;
        }
        if (rec.inbound != null && rec.inbound.release(packetId)) {
            entry.setValue(rec.changed());
        }
        return true;
    }

    @Override
    public int getClassId() {
        return SerializationIds.QOS2_RELEASE;
    }
}
