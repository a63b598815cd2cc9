package io.mqttcluster.gateway.config;

/** A configuration key with an unknown name or an invalid value; start-up stops on it. */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String message) {
        super("config key '" + key + "': " + message);
        this.key = key;
    }

    /** The key at fault, e.g. {@code limits.max-connections}. */
    public String key() {
        return key;
    }
}
