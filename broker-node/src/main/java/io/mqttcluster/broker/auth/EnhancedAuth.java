package io.mqttcluster.broker.auth;

/**
 * An MQTT 5 enhanced authentication method (MQTT 5.0 section 4.12), named by the Authentication Method
 * property of CONNECT and AUTH. The method is shared by all connections and thread-safe; each authentication
 * gets its own {@link AuthExchange}.
 *
 * <p>Re-authentication (section 4.12.1) is the same exchange started from the client's AUTH 0x19 on a
 * connected client, with one more rule: it must end as the connection's user.
 */
public interface EnhancedAuth {

    /** The Authentication Method as clients write it, e.g. {@code SCRAM-SHA-512}; compared exactly. */
    String method();

    /** A new exchange for a CONNECT; feed it the CONNECT's Authentication Data first. */
    AuthExchange start(String clientId);

    /**
     * A new exchange for a re-authentication of a connection that this method authenticated as
     * {@code connectionUser}. It answers like {@link #start}'s, except that a success as any other user is a
     * FAILURE 0x87, and failures carry reason codes that a DISCONNECT may carry (0x86 becomes 0x87).
     * The caller has already checked that the AUTH names this same method ([MQTT-4.12.1-1]).
     */
    default AuthExchange reauthenticate(String clientId, String connectionUser) {
        return new ReauthExchange(start(clientId), connectionUser);
    }
}
