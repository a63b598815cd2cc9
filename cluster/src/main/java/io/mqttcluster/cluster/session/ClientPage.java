package io.mqttcluster.cluster.session;

import com.hazelcast.aggregation.Aggregator;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One page of a client search, computed where the sessions live: each member (each partition) keeps only the
 * {@code limit + 1} smallest client ids after the cursor that match the {@link ClientQuery}, as small
 * {@link SessionView} summaries; the caller combines the members' pages the same way. So a search ships at most
 * {@code limit + 1} summaries per member and never a queue, however many sessions there are. The extra one tells
 * the caller whether there is a next page.
 *
 * <p>Not thread-safe: Hazelcast gives each partition's accumulation and each combination its own copy.
 */
public final class ClientPage implements Aggregator<Map.Entry<String, SessionRecord>, List<SessionView>>,
        IdentifiedDataSerializable {

    private ClientQuery query;
    private final TreeMap<String, SessionView> kept = new TreeMap<>();

    /** For deserialization only. */
    public ClientPage() {
    }

    public ClientPage(ClientQuery query) {
        this.query = query;
    }

    /** How many summaries a page keeps: one more than asked, to know whether another page follows. */
    int capacity() {
        return query.limit() + 1;
    }

    @Override
    public void accumulate(Map.Entry<String, SessionRecord> entry) {
        String id = entry.getKey();
        if (kept.size() >= capacity() && id.compareTo(kept.lastKey()) >= 0) {
            return; // cheaper than reading the record: most entries of a big map end here
        }
        SessionRecord rec = entry.getValue();
        if (query.matches(id, rec)) {
            keep(SessionView.of(rec, false));
        }
    }

    private void keep(SessionView v) {
        kept.put(v.clientId(), v);
        if (kept.size() > capacity()) {
            kept.pollLastEntry();
        }
    }

    @Override
    public void combine(Aggregator aggregator) {
        for (SessionView v : ((ClientPage) aggregator).kept.values()) {
            keep(v);
        }
    }

    /** The summaries, sorted by client id: at most {@code limit + 1}. */
    @Override
    public List<SessionView> aggregate() {
        return new ArrayList<>(kept.values());
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        query.writeTo(out);
        out.writeInt(kept.size());
        for (SessionView v : kept.values()) {
            v.writeData(out);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        query = ClientQuery.readFrom(in);
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            SessionView v = new SessionView();
            v.readData(in);
            kept.put(v.clientId(), v);
        }
    }

    @Override
    public int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return SerializationIds.CLIENT_PAGE;
    }
}
