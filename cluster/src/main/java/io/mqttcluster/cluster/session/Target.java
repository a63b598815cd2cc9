package io.mqttcluster.cluster.session;

import java.util.Arrays;
import java.util.List;

/**
 * Where one message goes in one session: the QoS to deliver it at, the RETAIN flag to deliver it with,
 * and how it was matched.
 *
 * @param qos             min(published QoS, granted QoS)
 * @param retainFlag      deliver with RETAIN=1
 * @param shareGroup      the shared subscription ({@code $share/g/f}) it came through, or null
 * @param subscriptionIds MQTT 5 subscription identifiers of the matching subscriptions, or null
 */
public record Target(int qos, boolean retainFlag, String shareGroup, int[] subscriptionIds) {

    /** Targets that deliver alike share one store call. */
    public Object groupKey() {
        return List.of(qos, retainFlag, String.valueOf(shareGroup), subscriptionIds == null ? "" : Arrays.toString(subscriptionIds));
    }
}
