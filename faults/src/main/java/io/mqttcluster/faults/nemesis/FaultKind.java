package io.mqttcluster.faults.nemesis;

import java.util.EnumSet;
import java.util.Set;

/** The faults the harness can inject, by the name used on the command line and in the history. */
public enum FaultKind {
    /** SIGKILL of a node; restarted (same name and ports) after the fault's duration. */
    KILL("kill", true),
    /** SIGSTOP of a node, SIGCONT after 1-12 s (past 5 s the others remove it from the cluster). */
    STOP("stop", true),
    /** A node's link cut for 5-20 s: it is alone, the two others keep the majority. */
    PARTITION("partition", true),
    /** Two nodes cannot reach each other for 5-20 s; both still reach the third and the clients. */
    PARTITION_PARTIAL("partition-partial", true),
    /** The node-to-node TCP connections of a node reset, without a membership change. */
    BUS_RESET("bus-reset", false),
    /** A client's id connects on another node while its connection is open; the broker must close the old one. */
    TAKEOVER("takeover", false),
    /** A client's connection dropped at once (a reset); it reconnects and resumes. */
    RECONNECT("reconnect", false);

    public final String id;
    /** Whether it targets a node (else a client or a link). */
    public final boolean nodeFault;

    FaultKind(String id, boolean nodeFault) {
        this.id = id;
        this.nodeFault = nodeFault;
    }

    public static FaultKind of(String id) {
        for (FaultKind k : values()) {
            if (k.id.equals(id.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown fault kind '" + id + "' (known: " + Set.of(values()) + ")");
    }

    /** Every kind that needs network namespaces (links and node-to-node connections to cut or reset). */
    public static Set<FaultKind> needingNamespaces() {
        return EnumSet.of(PARTITION, PARTITION_PARTIAL);
    }

    @Override
    public String toString() {
        return id;
    }
}
