package io.mqttcluster.cluster.session;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import io.mqttcluster.cluster.ClusterSerialization;
import io.mqttcluster.cluster.serial.SerializationIds;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The stored session record: format 6 carries the connection facts; a record without them stays readable as before. */
class SessionRecordFormatTest {

    private static final InternalSerializationService SERIALIZATION = new DefaultSerializationServiceBuilder()
            .addDataSerializableFactory(SerializationIds.FACTORY_ID, new ClusterSerialization()).build();

    private static SessionRecord roundTrip(SessionRecord r) {
        return SERIALIZATION.toObject(SERIALIZATION.toData(r));
    }

    @Test
    void claimWithConnectionFacts_isStoredAsFormat6_andReadBack() {
        SessionRecord rec = SessionRecord.claim(null, "truck-4711",
                new ClaimRequest("n1", true, 3600, null, 0, 5, 1_700_000_000_000L, 42, "alice", "10.0.0.7:5555", 45), null);
        rec.updateSubscriptions(rec.epoch(), Map.of("a/+", SubOptions.ofQos(1)), List.of());
        SessionRecord back = roundTrip(rec);
        assertThat(back.user()).isEqualTo("alice");
        assertThat(back.remote()).isEqualTo("10.0.0.7:5555");
        assertThat(back.connectedAtMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(back.keepAliveSeconds()).isEqualTo(45);
        assertThat(back.subscriptions()).containsKey("a/+");
        assertThat(back.protocolVersion()).isEqualTo(5);
    }

    @Test
    void recordWithoutConnectionFacts_keepsThePreviousFormat() {
        SessionRecord rec = new SessionRecord("old-client");
        rec.expirySeconds = 60;
        rec.protocolVersion = 4;
        SessionRecord back = roundTrip(rec);
        assertThat(back.clientId()).isEqualTo("old-client");
        assertThat(back.user()).isNull();
        assertThat(back.connectedAtMillis()).isZero();
        assertThat(back.expirySeconds()).isEqualTo(60);
    }

    @Test
    void claim_withFacts_travelsUnderItsOwnTypeId_withoutKeepsTheFirstFormat() {
        ClaimRequest plain = new ClaimRequest("n1", false, 60, null, 0, 4, 5, 6);
        ClaimRequest facts = new ClaimRequest("n1", false, 60, null, 0, 5, 5, 6, "bob", "1.2.3.4:5", 30);
        assertThat(new Claim(plain).getClassId()).isEqualTo(SerializationIds.CLAIM);
        assertThat(new Claim(facts).getClassId()).isEqualTo(SerializationIds.CLAIM_WITH_FACTS);
        Claim back = SERIALIZATION.toObject(SERIALIZATION.toData(new Claim(facts)));
        ProcessorEntryOf entry = new ProcessorEntryOf();
        back.process(entry.entry);
        assertThat(entry.entry.getValue().user()).isEqualTo("bob");
        assertThat(entry.entry.getValue().keepAliveSeconds()).isEqualTo(30);
        Claim old = SERIALIZATION.toObject(SERIALIZATION.toData(new Claim(plain)));
        ProcessorEntryOf e2 = new ProcessorEntryOf();
        old.process(e2.entry);
        assertThat(e2.entry.getValue().connectedAtMillis()).as("no facts: the record keeps its old format").isZero();
    }

    private static final class ProcessorEntryOf {
        final io.mqttcluster.cluster.util.ProcessorEntry<SessionRecord> entry = new io.mqttcluster.cluster.util.ProcessorEntry<>("c", null);
    }
}
