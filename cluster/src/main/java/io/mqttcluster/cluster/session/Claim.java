package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.Map;

/**
 * A new connection takes the client id ({@link SessionRecord#claim}). A claim with the connection facts travels under
 * its own type id ({@code CLAIM_WITH_FACTS}), which only members that know it are sent (see
 * {@code ClusterView#connectionFactsEverywhere}); without them it keeps the format of the first release.
 */
public final class Claim extends SessionOp<ClaimResult> {
    private ClaimRequest request;
    private boolean facts;

    /** For deserialization only. */
    public Claim(boolean facts) {
        this.facts = facts;
    }

    public Claim(ClaimRequest request) {
        this.request = request;
        this.facts = request.hasFacts();
    }

    @Override
    public ClaimResult process(Map.Entry<String, SessionRecord> entry) {
        ClaimResult result = new ClaimResult();
        entry.setValue(SessionRecord.claim(entry.getValue(), entry.getKey(), request, result));
        return result;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        request.writeTo(out, facts);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        request = ClaimRequest.readFrom(in, facts);
    }

    @Override
    public int getClassId() {
        return facts ? SerializationIds.CLAIM_WITH_FACTS : SerializationIds.CLAIM;
    }
}
