package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every subscriber's fresh receipts (a message handed to the application, not a repeat of a packet id awaiting
 * PUBREL), by message key ({@code pub#seq}), in the order they arrived. Built once from the run's index.
 */
final class FreshReceipts {
    /** subscriber -> message key -> fresh receipts. */
    private final Map<String, Map<String, List<Event.Received>>> bySubscriber = new HashMap<>();

    FreshReceipts(RunIndex idx) {
        for (Map.Entry<String, List<Event.Received>> e : idx.receipts.entrySet()) {
            Map<String, List<Event.Received>> f = new HashMap<>();
            for (Event.Received r : e.getValue()) {
                if (r.fresh()) {
                    f.computeIfAbsent(r.pub() + "#" + r.seq(), k -> new ArrayList<>(1)).add(r);
                }
            }
            bySubscriber.put(e.getKey(), f);
        }
    }

    /** A subscriber's fresh receipts by message key; empty when it received nothing. */
    Map<String, List<Event.Received>> of(String subscriber) {
        return bySubscriber.getOrDefault(subscriber, Map.of());
    }

    /** Whether any subscriber received message {@code key} first-hand. */
    boolean deliveredAnywhere(String key) {
        for (Map<String, List<Event.Received>> f : bySubscriber.values()) {
            if (f.containsKey(key)) {
                return true;
            }
        }
        return false;
    }

    Map<String, Map<String, List<Event.Received>>> bySubscriber() {
        return bySubscriber;
    }

    /** The session a receipt belongs to: the persistent session's epoch, or a clean subscriber's connection. */
    static String session(RunIndex.ClientInfo sub, Event.Received r) {
        return sub.clean ? "c" + r.conn() : "e" + r.epoch();
    }
}
