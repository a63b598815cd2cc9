package io.mqttcluster.broker.testing;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.config.ConfigLoader;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Starts a real broker node in-process on ephemeral ports, alone in its own cluster. */
public final class TestNode {

    private TestNode() {
    }

    public static BrokerNode start() throws Exception {
        return start(Map.of());
    }

    public static BrokerNode start(Map<String, String> overrides) throws Exception {
        Map<String, String> flags = new HashMap<>();
        flags.put("mqtt.port", "0");
        flags.put("http.port", "0");
        flags.put("cluster.port", "0");
        flags.put("mqtt.host", "127.0.0.1");
        flags.put("http.host", "127.0.0.1");
        flags.put("cluster.name", "test-" + UUID.randomUUID());
        flags.put("node.name", "test-node");
        flags.put("mqtt.event-loops", "2");
        flags.putAll(overrides);
        BrokerConfig config = ConfigLoader.load(flags, Map.of(), null);
        return BrokerNode.start(config);
    }
}
