package io.mqttcluster.broker.pubsub;

import io.mqttcluster.cluster.session.SubOptions;

/**
 * One subscription of a connected client on this node: the value stored in the local topic tree.
 * Identity matters: two subscriptions are equal only when they are the same object.
 *
 * @param subscriber   the subscribing client
 * @param filter       the filter as the client wrote it (for shared ones: {@code $share/g/f})
 * @param topicFilter  the filter matched against topics (for shared ones: {@code f})
 * @param options      granted QoS and options
 * @param shareGroup   the shared subscription group, or null
 */
public record Subscription(Subscriber subscriber, String filter, String topicFilter, SubOptions options, String shareGroup) {

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
