package io.mqttcluster.cluster.session;

/**
 * The bounds of one persistent session's queue.
 *
 * @param maxMessages most messages queued ({@code mqtt.max-queued-messages})
 * @param dropOldest  a full queue drops its oldest message for a new one; false: the new one is dropped
 * @param qos2Window  most QoS 2 message ids remembered after their copy left the queue, to recognise a copy
 *                    re-sent after a crash ({@code mqtt.qos2-dedupe-window})
 */
public record QueueLimits(int maxMessages, boolean dropOldest, int qos2Window) {
}
