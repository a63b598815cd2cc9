package io.mqttcluster.broker.config;

/** A configuration value that stops start-up; the message names the key. */
public final class ConfigException extends RuntimeException {

    private final String key;

    public ConfigException(String key, String message) {
        super("configuration key '" + key + "': " + message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
