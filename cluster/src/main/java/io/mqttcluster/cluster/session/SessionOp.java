package io.mqttcluster.cluster.session;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.serial.SerializationIds;

/**
 * An entry processor on the sessions map: the only way a {@link SessionRecord} changes. Each runs on the
 * partition thread of the client id, one at a time per key, and again on the backup replica with the same
 * input, so it must be deterministic: no clock, no randomness, only what it carries. The rule itself is a
 * method of the record; the processor only carries the arguments and the result.
 *
 * @param <R> what the caller gets back
 */
public abstract class SessionOp<R> implements EntryProcessor<String, SessionRecord, R>, IdentifiedDataSerializable {

    @Override
    public final int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }
}
