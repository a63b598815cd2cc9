package io.mqttcluster.gateway.proxy;

/**
 * Where a node stands in answering a client's CONNECT, from the packets it sends to the client: nothing yet; AUTH
 * packets of MQTT 5 enhanced authentication, as many rounds as the method needs [MQTT 5.0 section 4.12]; then the
 * CONNACK, which accepts the client or refuses it. The first packet from the node is not taken for the CONNACK: an
 * AUTH (type 15) is counted and the wait goes on.
 *
 * <p>What depends on it: a move asked before the CONNACK waits for it (a server must not send DISCONNECT before a
 * CONNACK that accepted the client [MQTT-3.14.0-1], and the node must have the session before the gateway ends it
 * in the client's name); a refused client gets no DISCONNECT.
 *
 * <p>Owned by one {@link Splice}, on its event loop.
 */
final class NodeHandshake {

    enum State {
        /** The node has sent no whole packet yet. */
        WAITING,
        /** The node sent AUTH, no CONNACK yet: enhanced authentication in progress. */
        AUTHENTICATING,
        /** CONNACK with success (3.1.1: return code 0; 5.0: a reason code below 0x80). */
        ACCEPTED,
        /** CONNACK refusing the client, or a DISCONNECT instead of a CONNACK: the node closes the connection. */
        REFUSED
    }

    private final int protocolLevel;
    private State state = State.WAITING;
    private int authPackets;
    private int connackCode = -1;

    NodeHandshake(int protocolLevel) {
        this.protocolLevel = protocolLevel;
    }

    /**
     * A packet from the node ended: its type and body byte 1 (a CONNACK's return or reason code; -1 when absent).
     *
     * @return true when this packet ended the handshake (the CONNACK, or a DISCONNECT in its place)
     */
    boolean packetEnded(int type, int bodyByte1) {
        if (over()) {
            return false;
        }
        switch (type) {
            case PacketBoundaries.AUTH -> {
                authPackets++;
                state = State.AUTHENTICATING;
                return false;
            }
            case PacketBoundaries.CONNACK -> {
                connackCode = bodyByte1;
                boolean accepted = bodyByte1 >= 0 && (protocolLevel == 5 ? bodyByte1 < 0x80 : bodyByte1 == 0);
                state = accepted ? State.ACCEPTED : State.REFUSED;
                return true;
            }
            case PacketBoundaries.DISCONNECT -> {
                state = State.REFUSED;
                return true;
            }
            default -> {
                return false; // not allowed before CONNACK; the client will make of it what it does without us
            }
        }
    }

    State state() {
        return state;
    }

    /** True once the CONNACK (or a DISCONNECT in its place) went by. */
    boolean over() {
        return state == State.ACCEPTED || state == State.REFUSED;
    }

    /** AUTH packets the node sent before its CONNACK. */
    int authPackets() {
        return authPackets;
    }

    /** The CONNACK's return/reason code, -1 before it. */
    int connackCode() {
        return connackCode;
    }
}
