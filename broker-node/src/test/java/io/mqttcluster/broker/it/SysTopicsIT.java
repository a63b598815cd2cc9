package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** $SYS topics: published by each node at an interval, retained, never matched by '#'. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SysTopicsIT {

    static BrokerNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(Map.of("sys.interval", "1s"));
    }

    @AfterAll
    static void stop() {
        node.stop();
    }

    @Test
    void sysTopics_arePublishedRetained_andNotMatchedByHash() throws Exception {
        try (Paho everything = Paho.connect(node.mqttPort(), "sys-hash", true).subscribe("#", 0);
             Paho sys = Paho.connect(node.mqttPort(), "sys-sub", true).subscribe("$SYS/#", 0)) {
            Map<String, String> seen = new HashMap<>();
            long deadline = System.currentTimeMillis() + 10_000;
            String prefix = "$SYS/broker/test-node/";
            // the retained values may predate these two clients; the next interval counts them
            while ((seen.size() < 7 || Integer.parseInt(seen.getOrDefault(prefix + "clients/connected", "0")) < 2)
                    && System.currentTimeMillis() < deadline) {
                Paho.Received r = sys.next(2000);
                if (r != null) {
                    seen.put(r.topic(), r.payload());
                }
            }
            assertThat(seen).containsKeys(prefix + "version", prefix + "uptime", prefix + "clients/connected",
                    prefix + "messages/received", prefix + "messages/sent", prefix + "messages/dropped", prefix + "cluster/members");
            assertThat(Integer.parseInt(seen.get(prefix + "clients/connected"))).isGreaterThanOrEqualTo(2);
            assertThat(seen.get(prefix + "version")).startsWith("mqtt-cluster ");
            assertThat(everything.next(1500)).as("'#' does not match $SYS topics").isNull();
        }
    }
}
