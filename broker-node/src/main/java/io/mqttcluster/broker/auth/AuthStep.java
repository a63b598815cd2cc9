package io.mqttcluster.broker.auth;

import io.mqttcluster.broker.mqtt.ReasonCode;

/**
 * What an {@link AuthExchange} answers to one message of the client: go on, done, or refused, with the MQTT 5
 * reason code ({@link ReasonCode}) for the packet the protocol code sends next (MQTT 5.0 section 4.12).
 *
 * <ul>
 *   <li>{@link Outcome#CONTINUE}: send AUTH with reason 0x18 (Continue authentication) and {@link #data()} as
 *       its Authentication Data, then wait for the client's AUTH.</li>
 *   <li>{@link Outcome#SUCCESS}: the client is {@link #user()}; send CONNACK 0x00 (or, on re-authentication,
 *       AUTH 0x00) with {@link #data()} as Authentication Data when it is not null.</li>
 *   <li>{@link Outcome#FAILURE}: send CONNACK (or, on re-authentication, DISCONNECT) with
 *       {@link #reasonCode()} and close. {@link #reason()} is for the log line; it never tells an unknown
 *       user from a wrong password, so it may also go to the client as the Reason String.</li>
 * </ul>
 *
 * <p>{@code data} is not copied: neither side changes it after handing it over.
 */
public record AuthStep(Outcome outcome, int reasonCode, byte[] data, String user, String reason) {

    public enum Outcome { CONTINUE, SUCCESS, FAILURE }

    public AuthStep {
        if (outcome == null) {
            throw new IllegalArgumentException("outcome");
        }
        if (outcome == Outcome.SUCCESS && (user == null || user.isEmpty())) {
            throw new IllegalArgumentException("a success names the user");
        }
    }

    /** Another round: send {@code serverData} in AUTH 0x18. */
    public static AuthStep proceed(byte[] serverData) {
        return new AuthStep(Outcome.CONTINUE, ReasonCode.CONTINUE_AUTHENTICATION, serverData, null, null);
    }

    /** Authenticated as {@code user}; {@code finalData} (or null) goes into the CONNACK or final AUTH. */
    public static AuthStep success(String user, byte[] finalData) {
        return new AuthStep(Outcome.SUCCESS, ReasonCode.SUCCESS, finalData, user, null);
    }

    public static AuthStep failure(int reasonCode, String reason) {
        return new AuthStep(Outcome.FAILURE, reasonCode, null, null, reason);
    }

    public boolean isContinue() {
        return outcome == Outcome.CONTINUE;
    }

    public boolean isSuccess() {
        return outcome == Outcome.SUCCESS;
    }

    public boolean isFailure() {
        return outcome == Outcome.FAILURE;
    }

    @Override
    public String toString() {
        return outcome + "(0x" + Integer.toHexString(reasonCode) + (user == null ? "" : ", user=" + user)
                + (reason == null ? "" : ", " + reason) + (data == null ? "" : ", " + data.length + " bytes") + ")";
    }
}
