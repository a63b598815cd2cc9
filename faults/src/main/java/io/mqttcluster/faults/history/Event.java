package io.mqttcluster.faults.history;

/**
 * One line of a run's history: what a client sent or received, a connection's life, a fault, a metric read at
 * the end. Every event carries {@code t}, microseconds since the run started on the harness's one monotonic
 * clock, so events of different clients compare. Flat records of longs, ints, booleans and strings without
 * spaces, so {@link HistoryFormat} writes and reads them generically.
 */
public sealed interface Event {

    long t();

    /** A client of the run: role {@code pub} or {@code sub}; filters as {@code filter@qos;...}; group or "-". */
    record ClientDecl(long t, String client, String role, boolean clean, int qos, String filters, String group)
            implements Event {
    }

    /** A TCP connection attempt of a client to a node ({@code f1}, {@code gw}, {@code mosq}). */
    record Connect(long t, String client, int conn, String node) implements Event {
    }

    /** CONNACK received: return code and session present. */
    record Connack(long t, String client, int conn, int rc, boolean sessionPresent) implements Event {
    }

    /** SUBACK received for one filter of a SUBSCRIBE. */
    record Suback(long t, String client, int conn, String filter, int granted) implements Event {
    }

    /** The client stopped using this connection (closed by the broker, reset, timed out, taken over, dropped). */
    record Lost(long t, String client, int conn, String reason) implements Event {
    }

    /** PINGRESP on this connection for the PINGREQ sent at {@code pingSent}: the broker served it after then. */
    record Alive(long t, String client, int conn, long pingSent) implements Event {
    }

    /** A persistent client's session starts (epoch 1), or starts over after CONNACK said session present 0. */
    record SessionEpoch(long t, String client, int epoch, int conn) implements Event {
    }

    /** A publisher wrote a PUBLISH (first send, or a resend with DUP=1 and the original packet id). */
    record Sent(long t, String client, int conn, long seq, int qos, int pid, boolean dup) implements Event {
    }

    /** The first PUBACK (QoS 1) or PUBREC (QoS 2) for a message: from here on it is acknowledged. */
    record Acked(long t, String client, int conn, long seq, int pid) implements Event {
    }

    /** PUBCOMP for a QoS 2 message: its packet id is free again. */
    record Completed(long t, String client, int conn, long seq, int pid) implements Event {
    }

    /** A clean publisher gave up a message that was never acknowledged (its session ended with the connection). */
    record Abandoned(long t, String client, long seq, String reason) implements Event {
    }

    /**
     * A PUBLISH received by a subscriber. {@code fresh}: the client hands it to the application (QoS 0/1 always;
     * QoS 2 when its packet id was not awaiting PUBREL, MQTT 3.1.1 4.3.3 method B). {@code collision}: the packet
     * id was awaiting PUBREL for a different message.
     */
    record Received(long t, String client, int conn, int epoch, String pub, long seq, int qos, int pid, boolean dup,
                    boolean fresh, boolean collision) implements Event {
    }

    /** A fault begins: kind, target (node or client), detail. */
    record FaultBegin(long t, int id, String kind, String target, String detail) implements Event {
    }

    /** A fault ends (healed, continued, restarted); instant faults end when they begin. */
    record FaultEnd(long t, int id, String kind, String target, String detail) implements Event {
    }

    /** A counter read from a node's /metrics: the last value seen for one incarnation of the node. */
    record Metric(long t, String node, int incarnation, String name, String label, long value) implements Event {
    }

    /** Anything else worth reading: {@code what} is a stable name, {@code detail} key=value pairs joined by ','. */
    record Note(long t, String what, String subject, String detail) implements Event {
    }
}
