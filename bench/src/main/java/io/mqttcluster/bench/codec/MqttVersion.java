package io.mqttcluster.bench.codec;

/** The MQTT protocol level the bench client speaks: 3.1.1 (level 4, the default) or 5.0 (level 5). */
public enum MqttVersion {
    V3_1_1(4, "3.1.1"),
    V5(5, "5");

    private final int level;
    private final String label;

    MqttVersion(int level, String label) {
        this.level = level;
        this.label = label;
    }

    /** The protocol level byte of CONNECT. */
    public int level() {
        return level;
    }

    public boolean isV5() {
        return this == V5;
    }

    @Override
    public String toString() {
        return label;
    }

    /** Parses "3.1.1", "3", "4", "5" or "5.0". */
    public static MqttVersion parse(String text) {
        switch (text.trim()) {
            case "3.1.1":
            case "3":
            case "4":
            case "311":
                return V3_1_1;
            case "5":
            case "5.0":
                return V5;
            default:
                throw new IllegalArgumentException("unknown MQTT version '" + text + "' (use 3.1.1 or 5)");
        }
    }
}
