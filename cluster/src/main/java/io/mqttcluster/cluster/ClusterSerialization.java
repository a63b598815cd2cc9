package io.mqttcluster.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.route.DurableSubscriptions;
import io.mqttcluster.cluster.route.RouteProcessors;
import io.mqttcluster.cluster.session.Ack;
import io.mqttcluster.cluster.session.Append;
import io.mqttcluster.cluster.session.AppendResult;
import io.mqttcluster.cluster.session.Claim;
import io.mqttcluster.cluster.session.ClaimResult;
import io.mqttcluster.cluster.session.Expire;
import io.mqttcluster.cluster.session.ExpireResult;
import io.mqttcluster.cluster.session.MarkPubrel;
import io.mqttcluster.cluster.session.Qos2Receive;
import io.mqttcluster.cluster.session.Qos2Release;
import io.mqttcluster.cluster.session.Qos2Routed;
import io.mqttcluster.cluster.session.Release;
import io.mqttcluster.cluster.session.ReleaseDeadOwner;
import io.mqttcluster.cluster.session.ReleaseResult;
import io.mqttcluster.cluster.session.SessionPredicates;
import io.mqttcluster.cluster.session.SessionRecord;
import io.mqttcluster.cluster.session.Snapshot;
import io.mqttcluster.cluster.session.SnapshotResult;
import io.mqttcluster.cluster.session.UpdateSubscriptions;

import static io.mqttcluster.cluster.serial.SerializationIds.*;

/**
 * Builds every type the broker stores in or sends through Hazelcast from its type id
 * ({@link io.mqttcluster.cluster.serial.SerializationIds}).
 */
public final class ClusterSerialization implements DataSerializableFactory {

    /** Registers the factory on a member or client configuration. */
    public static void register(Config config) {
        config.getSerializationConfig().addDataSerializableFactory(FACTORY_ID, new ClusterSerialization());
    }

    @Override
    public IdentifiedDataSerializable create(int typeId) {
        return switch (typeId) {
            case MESSAGE -> new Message();
            case SESSION_RECORD -> new SessionRecord();
            case CLAIM_RESULT -> new ClaimResult();
            case RELEASE_RESULT -> new ReleaseResult();
            case APPEND_RESULT -> new AppendResult();
            case SNAPSHOT_RESULT -> new SnapshotResult();
            case EXPIRE_RESULT -> new ExpireResult();
            case CLAIM -> new Claim(false);
            case CLAIM_WITH_FACTS -> new Claim(true);
            case RELEASE -> new Release();
            case APPEND -> new Append();
            case ACK -> new Ack();
            case MARK_PUBREL -> new MarkPubrel();
            case UPDATE_SUBSCRIPTIONS -> new UpdateSubscriptions();
            case RELEASE_DEAD_OWNER -> new ReleaseDeadOwner();
            case OWNER_NOT_LIVE -> new SessionPredicates.OwnerNotLive();
            case SNAPSHOT -> new Snapshot();
            case OFFLINE -> new SessionPredicates.Offline();
            case QOS2_RECEIVE -> new Qos2Receive();
            case QOS2_ROUTED -> new Qos2Routed();
            case QOS2_RELEASE -> new Qos2Release();
            case EXPIRE -> new Expire();
            case EXPIRY_DUE -> new SessionPredicates.ExpiryDue();
            case APPEND_BATCH -> new io.mqttcluster.cluster.session.AppendBatch();
            case APPEND_RESULTS -> new io.mqttcluster.cluster.session.AppendResults();
            case QOS2_RECEIVE_BATCH -> new io.mqttcluster.cluster.session.Qos2ReceiveBatch();
            case RETAINED_MERGE_POLICY -> new io.mqttcluster.cluster.retain.RetainedMergePolicy();
            case READ_SUBSCRIPTIONS -> new io.mqttcluster.cluster.session.ReadSubscriptions();
            case OWNER_EPOCHS -> new io.mqttcluster.cluster.session.OwnerEpochs();
            case OWNED_BY -> new SessionPredicates.OwnedBy();
            case ROUTE_KEY_NODE_IN -> new RouteProcessors.KeyNodeNotIn<>();
            case DURABLE_REMOVE_IF_SESSION -> new DurableSubscriptions.RemoveIfSession();
            case SESSION_MERGE_POLICY -> new io.mqttcluster.cluster.session.SessionMergePolicy();
            case SHARED_LEAVE_IF_ON -> new io.mqttcluster.cluster.route.SharedGroups.LeaveIfOn();
            case CLIENT_PAGE -> new io.mqttcluster.cluster.session.ClientPage();
            case SESSION_VIEW -> new io.mqttcluster.cluster.session.SessionView();
            case DESCRIBE_SESSION -> new io.mqttcluster.cluster.session.DescribeSession();
            case DELETE_SESSION -> new io.mqttcluster.cluster.session.DeleteSession();
            default -> throw new IllegalArgumentException("unknown type id " + typeId);
        };
    }
}
