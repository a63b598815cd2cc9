package io.mqttcluster.gateway.connect;

/**
 * A CONNECT the gateway refuses, with the MQTT 5.0 reason code that names the fault: {@link ReasonCodes#MALFORMED_PACKET}
 * when the bytes do not follow the packet's format, {@link ReasonCodes#PROTOCOL_ERROR} when they do but break a rule
 * [MQTT 5.0 section 4.13]. Thrown and caught inside this package only; no stack trace.
 */
final class BadConnect extends Exception {
    private final int reasonCode;

    private BadConnect(int reasonCode, String message) {
        super(message, null, false, false);
        this.reasonCode = reasonCode;
    }

    static BadConnect malformed(String message) {
        return new BadConnect(ReasonCodes.MALFORMED_PACKET, message);
    }

    static BadConnect protocolError(String message) {
        return new BadConnect(ReasonCodes.PROTOCOL_ERROR, message);
    }

    int reasonCode() {
        return reasonCode;
    }
}
