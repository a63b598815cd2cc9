package io.mqttcluster.broker.mqtt;

/**
 * The MQTT 5.0 reason codes the broker sends (MQTT 5.0 section 2.4, table 2-6), by name. Plain ints, because they
 * travel in acknowledgements on the publish path; {@link #name(int)} gives the label for logs and metrics.
 */
public final class ReasonCode {

    public static final int SUCCESS = 0x00;
    public static final int NO_MATCHING_SUBSCRIBERS = 0x10;
    public static final int NO_SUBSCRIPTION_EXISTED = 0x11;
    public static final int CONTINUE_AUTHENTICATION = 0x18;
    /** AUTH from a connected client: start a re-authentication. */
    public static final int REAUTHENTICATE = 0x19;
    public static final int DISCONNECT_WITH_WILL = 0x04;
    public static final int UNSPECIFIED_ERROR = 0x80;
    public static final int MALFORMED_PACKET = 0x81;
    public static final int PROTOCOL_ERROR = 0x82;
    public static final int IMPLEMENTATION_SPECIFIC_ERROR = 0x83;
    /** CONNACK: wrong password, or a user the broker does not know (never told apart). */
    public static final int BAD_USER_NAME_OR_PASSWORD = 0x86;
    public static final int NOT_AUTHORIZED = 0x87;
    public static final int SERVER_BUSY = 0x89;
    public static final int SERVER_SHUTTING_DOWN = 0x8B;
    public static final int BAD_AUTHENTICATION_METHOD = 0x8C;
    public static final int KEEP_ALIVE_TIMEOUT = 0x8D;
    public static final int SESSION_TAKEN_OVER = 0x8E;
    public static final int TOPIC_FILTER_INVALID = 0x8F;
    public static final int TOPIC_NAME_INVALID = 0x90;
    public static final int PACKET_IDENTIFIER_NOT_FOUND = 0x92;
    public static final int RECEIVE_MAXIMUM_EXCEEDED = 0x93;
    public static final int TOPIC_ALIAS_INVALID = 0x94;
    public static final int PACKET_TOO_LARGE = 0x95;
    public static final int QUOTA_EXCEEDED = 0x97;
    /** DISCONNECT: an operator closed the connection (admin API kick or session delete). */
    public static final int ADMINISTRATIVE_ACTION = 0x98;
    public static final int PAYLOAD_FORMAT_INVALID = 0x99;
    public static final int RETAIN_NOT_SUPPORTED = 0x9A;
    public static final int QOS_NOT_SUPPORTED = 0x9B;
    public static final int USE_ANOTHER_SERVER = 0x9C;
    public static final int SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E;
    public static final int SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED = 0xA1;
    public static final int WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED = 0xA2;

    private ReasonCode() {
    }

    /** A lower-case label, e.g. {@code session_taken_over}; {@code 0xNN} for a code not listed here. */
    public static String name(int code) {
        return switch (code) {
            case SUCCESS -> "success";
            case NO_MATCHING_SUBSCRIBERS -> "no_matching_subscribers";
            case NO_SUBSCRIPTION_EXISTED -> "no_subscription_existed";
            case CONTINUE_AUTHENTICATION -> "continue_authentication";
            case REAUTHENTICATE -> "reauthenticate";
            case DISCONNECT_WITH_WILL -> "disconnect_with_will";
            case UNSPECIFIED_ERROR -> "unspecified_error";
            case MALFORMED_PACKET -> "malformed_packet";
            case PROTOCOL_ERROR -> "protocol_error";
            case IMPLEMENTATION_SPECIFIC_ERROR -> "implementation_specific_error";
            case BAD_USER_NAME_OR_PASSWORD -> "bad_user_name_or_password";
            case NOT_AUTHORIZED -> "not_authorized";
            case SERVER_BUSY -> "server_busy";
            case SERVER_SHUTTING_DOWN -> "server_shutting_down";
            case BAD_AUTHENTICATION_METHOD -> "bad_authentication_method";
            case KEEP_ALIVE_TIMEOUT -> "keep_alive_timeout";
            case SESSION_TAKEN_OVER -> "session_taken_over";
            case TOPIC_FILTER_INVALID -> "topic_filter_invalid";
            case TOPIC_NAME_INVALID -> "topic_name_invalid";
            case PACKET_IDENTIFIER_NOT_FOUND -> "packet_identifier_not_found";
            case RECEIVE_MAXIMUM_EXCEEDED -> "receive_maximum_exceeded";
            case TOPIC_ALIAS_INVALID -> "topic_alias_invalid";
            case PACKET_TOO_LARGE -> "packet_too_large";
            case QUOTA_EXCEEDED -> "quota_exceeded";
            case ADMINISTRATIVE_ACTION -> "administrative_action";
            case PAYLOAD_FORMAT_INVALID -> "payload_format_invalid";
            case RETAIN_NOT_SUPPORTED -> "retain_not_supported";
            case QOS_NOT_SUPPORTED -> "qos_not_supported";
            case USE_ANOTHER_SERVER -> "use_another_server";
            case SHARED_SUBSCRIPTIONS_NOT_SUPPORTED -> "shared_subscriptions_not_supported";
            case SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED -> "subscription_identifiers_not_supported";
            case WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED -> "wildcard_subscriptions_not_supported";
            default -> String.format("0x%02x", code);
        };
    }
}
