package io.mqttcluster.broker.auth;

/**
 * One run of an enhanced authentication method on one connection: the CONNECT's (or the re-authenticating
 * AUTH's) Authentication Data goes into the first {@link #step}, each following AUTH 0x18's data into the
 * next, until a step answers SUCCESS or FAILURE.
 *
 * <p>Not thread-safe: it belongs to its connection and is used on that connection's event loop. A step does
 * no I/O and nothing slow (a few HMACs for SCRAM), so it may run on the event loop.
 */
public interface AuthExchange {

    /**
     * The answer to one message of the client. Never throws: a bad message is a FAILURE.
     *
     * @param authData the Authentication Data property of the client's packet, or null when it had none
     */
    AuthStep step(byte[] authData);

    /** Whether a step has answered SUCCESS or FAILURE; a step after that answers FAILURE 0x82. */
    boolean finished();
}
