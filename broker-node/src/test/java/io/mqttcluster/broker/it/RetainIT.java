package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** 04-retain: last retained message per topic, replaced, cleared, sent to new subscriptions only. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RetainIT {

    static BrokerNode node;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start();
        port = node.mqttPort();
    }

    @AfterAll
    static void stop() {
        node.stop();
    }

    // [MQTT-3.3.1-5] stored; [MQTT-3.3.1-6] sent to new matching subscriptions with RETAIN=1
    @Test
    void retained_isSentToNewWildcardSubscriptionWithRetainFlag_andReplacedByTheNextOne() throws Exception {
        try (Paho pub = Paho.connect(port, "r-pub", true)) {
            pub.publish("ret/a/temp", "old", 1, true);
            pub.publish("ret/a/temp", "new", 1, true);
            pub.publish("ret/b/temp", "b", 0, true);
            pub.publish("ret/b/hum", "not matched", 1, true);
        }
        try (Paho sub = Paho.connect(port, "r-sub", true)) {
            sub.subscribe("ret/+/temp", 1);
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Paho.Received r = sub.next(5000);
                assertThat(r.retained()).isTrue();
                got.add(r.topic() + "=" + r.payload());
            }
            assertThat(got).containsExactlyInAnyOrder("ret/a/temp=new", "ret/b/temp=b");
            assertThat(sub.next(300)).isNull();
        }
    }

    // [MQTT-3.3.1-9] messages matching an established subscription are sent with RETAIN=0
    @Test
    void retainedPublish_toAnEstablishedSubscription_arrivesWithRetain0() throws Exception {
        try (Paho sub = Paho.connect(port, "r-sub2", true); Paho pub = Paho.connect(port, "r-pub2", true)) {
            sub.subscribe("live/x", 1);
            pub.publish("live/x", "v", 1, true);
            Paho.Received r = sub.next(5000);
            assertThat(r.retained()).isFalse();
        }
    }

    // [MQTT-3.3.1-10] [MQTT-3.3.1-11] an empty retained payload clears the topic
    @Test
    void emptyRetainedPayload_clearsTheTopic() throws Exception {
        try (Paho pub = Paho.connect(port, "r-pub3", true)) {
            pub.publish("clear/me", "x", 1, true);
            pub.publish("clear/me", "", 1, true);
        }
        try (Paho sub = Paho.connect(port, "r-sub3", true)) {
            sub.subscribe("clear/#", 1);
            assertThat(sub.next(500)).isNull();
        }
        assertThat(node.cluster().retained().get("clear/me")).isNull();
    }

    @Test
    void retainedDeliveredQos_isMinOfStoredAndGranted() throws Exception {
        try (Paho pub = Paho.connect(port, "r-pub4", true)) {
            pub.publish("rq/x", "q2", 2, true);
        }
        try (Paho sub = Paho.connect(port, "r-sub4", true)) {
            sub.subscribe("rq/x", 1);
            assertThat(sub.next(5000).qos()).isEqualTo(1);
        }
    }

    @Test
    void retained_isResentToAPersistentSessionThatResubscribes() throws Exception {
        try (Paho pub = Paho.connect(port, "r-pub5", true)) {
            pub.publish("rp/x", "persist", 1, true);
        }
        try (Paho sub = Paho.connect(port, "r-dev5", false)) {
            sub.subscribe("rp/#", 1);
            Paho.Received r = sub.next(5000);
            assertThat(r.retained()).isTrue();
            assertThat(r.payload()).isEqualTo("persist");
        }
    }
}
