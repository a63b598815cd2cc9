package io.mqttcluster.broker.auth;

import io.mqttcluster.broker.mqtt.ReasonCode;

import java.util.Objects;
import java.util.Set;

/**
 * A re-authentication (MQTT 5.0 section 4.12.1): any method's exchange, held to the connection's user, and
 * with failure codes that fit the DISCONNECT the protocol code then sends (MQTT 5.0 table 3.10 has neither
 * 0x86 nor 0x8C). Same thread rules as the exchange it wraps.
 */
final class ReauthExchange implements AuthExchange {

    /** Failure reason codes that MQTT 5.0 allows in a DISCONNECT sent by the server; anything else is 0x87. */
    private static final Set<Integer> DISCONNECT_CODES = Set.of(0x80, 0x81, 0x82, 0x83, ReasonCode.NOT_AUTHORIZED, 0x89);

    private final AuthExchange inner;
    private final String connectionUser;
    private boolean finished;

    ReauthExchange(AuthExchange inner, String connectionUser) {
        this.inner = inner;
        this.connectionUser = connectionUser;
    }

    @Override
    public AuthStep step(byte[] authData) {
        if (finished) {
            return AuthStep.failure(ReasonCode.PROTOCOL_ERROR, "re-authentication has already ended");
        }
        AuthStep s;
        try {
            s = inner.step(authData);
        } catch (RuntimeException e) {
            s = AuthStep.failure(ReasonCode.NOT_AUTHORIZED, "re-authentication failed: " + e.getClass().getSimpleName());
        }
        switch (s.outcome()) {
            case CONTINUE -> {
                return s;
            }
            case SUCCESS -> {
                finished = true;
                if (!Objects.equals(s.user(), connectionUser)) {
                    // the user of a connection never changes: its ACL, session and log lines are that user's
                    return AuthStep.failure(ReasonCode.NOT_AUTHORIZED, "re-authenticated as another user than the connection's");
                }
                return s;
            }
            default -> {
                finished = true;
                return DISCONNECT_CODES.contains(s.reasonCode()) ? s
                        : AuthStep.failure(ReasonCode.NOT_AUTHORIZED, s.reason());
            }
        }
    }

    @Override
    public boolean finished() {
        return finished;
    }
}
