package io.mqttcluster.faults.nemesis;

/**
 * One planned fault: kind, its targets (a node, a second node, a client), how long it lasts, and the pause
 * before it (after the previous fault ended and the cluster settled).
 */
public record Fault(int id, FaultKind kind, int node, int otherNode, int client, long durationMs, long gapMs) {

    public String describe() {
        return "#" + id + " " + kind + " node=" + node + " other=" + otherNode + " client=" + client + " for "
                + durationMs + "ms after " + gapMs + "ms";
    }
}
