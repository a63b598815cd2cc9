package io.mqttcluster.cluster.serial;

/**
 * Type ids of everything the broker stores in or sends through Hazelcast. The ids are part of the stored
 * format: never renumber, only add. This class imports nothing, so every serialised type can name its id
 * without depending on the factory that builds them all.
 */
public final class SerializationIds {

    public static final int FACTORY_ID = 7001;

    public static final int MESSAGE = 1;
    public static final int SESSION_RECORD = 2;
    public static final int CLAIM_RESULT = 3;
    public static final int RELEASE_RESULT = 4;
    public static final int APPEND_RESULT = 5;
    public static final int SNAPSHOT_RESULT = 6;
    public static final int EXPIRE_RESULT = 7;
    public static final int CLAIM = 10;
    public static final int RELEASE = 11;
    public static final int APPEND = 12;
    public static final int ACK = 13;
    public static final int MARK_PUBREL = 14;
    public static final int UPDATE_SUBSCRIPTIONS = 15;
    // 16 was the first QoS 2 receive processor (packet id -> message id, no routed state): retired
    public static final int RELEASE_DEAD_OWNER = 17;
    public static final int OWNER_NOT_LIVE = 18;
    public static final int SNAPSHOT = 19;
    // 20 was TakeShared (shared copies of an offline session): done by Release now
    public static final int OFFLINE = 21;
    public static final int QOS2_RECEIVE = 22;
    public static final int QOS2_ROUTED = 23;
    public static final int QOS2_RELEASE = 24;
    public static final int EXPIRE = 25;
    public static final int EXPIRY_DUE = 26;
    // 27 was a session merge policy that joined both sides' queues: retired (it brought back delivered messages)
    public static final int RETAINED_MERGE_POLICY = 28;
    public static final int APPEND_BATCH = 29;
    public static final int APPEND_RESULTS = 32;
    public static final int QOS2_RECEIVE_BATCH = 33;
    public static final int READ_SUBSCRIPTIONS = 34;
    public static final int OWNER_EPOCHS = 35;
    public static final int OWNED_BY = 36;
    public static final int ROUTE_KEY_NODE_IN = 30;
    public static final int DURABLE_REMOVE_IF_SESSION = 31;
    public static final int SESSION_MERGE_POLICY = 37;
    public static final int SHARED_LEAVE_IF_ON = 38;
    public static final int CLIENT_PAGE = 39;
    public static final int SESSION_VIEW = 40;
    public static final int DESCRIBE_SESSION = 41;
    public static final int DELETE_SESSION = 42;
    public static final int CLAIM_WITH_FACTS = 43;

    private SerializationIds() {
    }
}
