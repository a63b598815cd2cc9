package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.auth.AuthExchange;
import io.mqttcluster.broker.auth.AuthStep;
import io.mqttcluster.broker.auth.EnhancedAuth;
import io.mqttcluster.broker.mqtt.ReasonCode;

import java.util.function.Consumer;

/**
 * MQTT 5 enhanced authentication of one connection (MQTT 5.0 section 4.12): the AUTH exchange between a CONNECT
 * that names an Authentication Method and its CONNACK, and re-authentication later on the same connection. The
 * method's rules are in {@link EnhancedAuth}; this drives the packets. On the connection's event loop only.
 */
final class AuthFlow {

    private final ClientProtocol ch;
    private EnhancedAuth method;
    private AuthExchange exchange;
    /** While the CONNECT's exchange runs: told its end (success or failure); null afterwards. */
    private Consumer<AuthStep> connectDone;

    AuthFlow(ClientProtocol ch) {
        this.ch = ch;
    }

    /** The method this connection authenticated with, or null. */
    String methodName() {
        return method == null ? null : method.method();
    }

    /**
     * Starts the exchange of a CONNECT that names {@code methodName}; false when this node does not offer it (the
     * caller refuses with 0x8C). {@code done} gets the final step: success (with the user) or failure.
     */
    boolean start(String methodName, byte[] data, Consumer<AuthStep> done) {
        EnhancedAuth m = ch.services().security().enhancedAuth().find(methodName).orElse(null);
        if (m == null) {
            return false;
        }
        method = m;
        exchange = m.start(ch.clientId());
        connectDone = done;
        step(data);
        return true;
    }

    /** An AUTH packet from the client. */
    void onAuth(Packets.Auth a) {
        if (method == null || !method.method().equals(a.method())) {
            ch.protocolError("AUTH without the connection's authentication method"); // [MQTT-4.12.0-5] [MQTT-4.12.1-1]
            return;
        }
        if (connectDone != null) {
            if (a.reasonCode() != ReasonCode.CONTINUE_AUTHENTICATION) {
                ch.protocolError(String.format("AUTH 0x%02x before CONNACK", a.reasonCode()));
                return;
            }
            step(a.data());
            return;
        }
        if (!ch.isConnected()) {
            return;
        }
        if (a.reasonCode() == ReasonCode.REAUTHENTICATE) {
            exchange = method.reauthenticate(ch.clientId(), ch.user());
        } else if (a.reasonCode() != ReasonCode.CONTINUE_AUTHENTICATION || exchange == null || exchange.finished()) {
            ch.protocolError(String.format("AUTH 0x%02x without a re-authentication in progress", a.reasonCode()));
            return;
        }
        step(a.data());
    }

    private void step(byte[] data) {
        AuthStep s = exchange.step(data);
        if (s.isContinue()) {
            ch.out().auth(ReasonCode.CONTINUE_AUTHENTICATION, method.method(), s.data());
            return;
        }
        if (connectDone != null) {
            Consumer<AuthStep> done = connectDone;
            connectDone = null;
            done.accept(s);
            return;
        }
        if (s.isSuccess()) {
            ch.out().auth(ReasonCode.SUCCESS, method.method(), s.data()); // re-authenticated [MQTT-4.12.1-2]
        } else {
            ch.logReauthFailed(s.reason());
            ch.close(CloseReason.NOT_AUTHORIZED, s.reasonCode());
        }
    }
}
