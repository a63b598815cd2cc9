package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;

/** One session's answers to an {@link AppendBatch}: per copy, the message index and where it landed. */
public final class AppendResults implements IdentifiedDataSerializable {
    int[] messageIndex;
    AppendResult[] results;
    int size;

    public AppendResults() {
    }

    AppendResults(int capacity) {
        messageIndex = new int[capacity];
        results = new AppendResult[capacity];
    }

    void add(int message, AppendResult r) {
        messageIndex[size] = message;
        results[size++] = r;
    }

    public int size() {
        return size;
    }

    /** Which message of the batch the i-th answer is for. */
    public int messageIndex(int i) {
        return messageIndex[i];
    }

    public AppendResult result(int i) {
        return results[i];
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(size);
        for (int i = 0; i < size; i++) {
            out.writeInt(messageIndex[i]);
            results[i].writeData(out);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        size = in.readInt();
        messageIndex = new int[size];
        results = new AppendResult[size];
        for (int i = 0; i < size; i++) {
            messageIndex[i] = in.readInt();
            results[i] = new AppendResult();
            results[i].readData(in);
        }
    }

    @Override
    public int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return SerializationIds.APPEND_RESULTS;
    }
}
