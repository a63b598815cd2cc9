package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.Map;

/** A new connection takes the client id ({@link SessionRecord#claim}). */
public final class Claim extends SessionOp<ClaimResult> {
    private ClaimRequest request;

    public Claim() {
    }

    public Claim(ClaimRequest request) {
        this.request = request;
    }

    @Override
    public ClaimResult process(Map.Entry<String, SessionRecord> entry) {
        ClaimResult result = new ClaimResult();
        entry.setValue(SessionRecord.claim(entry.getValue(), entry.getKey(), request, result));
        return result;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        request.writeTo(out);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        request = ClaimRequest.readFrom(in);
    }

    @Override
    public int getClassId() {
        return SerializationIds.CLAIM;
    }
}
