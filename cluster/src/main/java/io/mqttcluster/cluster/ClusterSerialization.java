package io.mqttcluster.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.route.RouteProcessors;
import io.mqttcluster.cluster.session.SessionProcessors;
import io.mqttcluster.cluster.session.SessionRecord;
import io.mqttcluster.cluster.session.SessionResults;

/**
 * Type ids of everything the broker stores in or sends through Hazelcast. Ids are part of the stored
 * format: never renumber, only add.
 */
public final class ClusterSerialization implements DataSerializableFactory {

    public static final int FACTORY_ID = 7001;

    public static final int MESSAGE = 1;
    public static final int SESSION_RECORD = 2;
    public static final int CLAIM_RESULT = 3;
    public static final int RELEASE_RESULT = 4;
    public static final int APPEND_RESULT = 5;
    public static final int SNAPSHOT_RESULT = 6;
    public static final int CLAIM = 10;
    public static final int RELEASE = 11;
    public static final int APPEND = 12;
    public static final int ACK = 13;
    public static final int MARK_PUBREL = 14;
    public static final int UPDATE_SUBSCRIPTIONS = 15;
    public static final int INBOUND_QOS2 = 16;
    public static final int RELEASE_DEAD_OWNER = 17;
    public static final int OWNER_NOT_LIVE = 18;
    public static final int SNAPSHOT = 19;
    public static final int TAKE_SHARED = 20;
    public static final int OFFLINE = 21;
    public static final int ROUTE_KEY_NODE_IN = 30;

    /** Registers the factory on a member or client configuration. */
    public static void register(Config config) {
        config.getSerializationConfig().addDataSerializableFactory(FACTORY_ID, new ClusterSerialization());
    }

    @Override
    public IdentifiedDataSerializable create(int typeId) {
        return switch (typeId) {
            case MESSAGE -> new Message();
            case SESSION_RECORD -> new SessionRecord();
            case CLAIM_RESULT -> new SessionResults.ClaimResult();
            case RELEASE_RESULT -> new SessionResults.ReleaseResult();
            case APPEND_RESULT -> new SessionResults.AppendResult();
            case SNAPSHOT_RESULT -> new SessionResults.SnapshotResult();
            case CLAIM -> new SessionProcessors.Claim();
            case RELEASE -> new SessionProcessors.Release();
            case APPEND -> new SessionProcessors.Append();
            case ACK -> new SessionProcessors.Ack();
            case MARK_PUBREL -> new SessionProcessors.MarkPubrel();
            case UPDATE_SUBSCRIPTIONS -> new SessionProcessors.UpdateSubscriptions();
            case INBOUND_QOS2 -> new SessionProcessors.InboundQos2();
            case RELEASE_DEAD_OWNER -> new SessionProcessors.ReleaseDeadOwner();
            case OWNER_NOT_LIVE -> new SessionProcessors.OwnerNotLive();
            case SNAPSHOT -> new SessionProcessors.Snapshot();
            case TAKE_SHARED -> new SessionProcessors.TakeShared();
            case OFFLINE -> new SessionProcessors.Offline();
            case ROUTE_KEY_NODE_IN -> new RouteProcessors.KeyNodeNotIn<>();
            default -> throw new IllegalArgumentException("unknown type id " + typeId);
        };
    }
}
