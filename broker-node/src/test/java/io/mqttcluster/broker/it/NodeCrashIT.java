package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.TestCluster;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node stops the way a crash looks to the others (its Hazelcast member terminates without leaving).
 * Invariants 4 and 5: acknowledged messages for persistent sessions are kept; wills are published by the
 * survivors; the dead node's clients resume elsewhere.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NodeCrashIT {

    TestCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = TestCluster.start(3);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void crash_willsArePublishedBySurvivors_andPersistentSessionsResumeWithEverythingAcknowledged() throws Exception {
        Paho watcher = Paho.connect(cluster.port(0), "cr-watch", true).subscribe("cr/will/#", 1);
        MqttConnectOptions withWill = new MqttConnectOptions();
        withWill.setCleanSession(true);
        withWill.setWill("cr/will/w1", "w1 is gone".getBytes(), 1, false);
        Paho doomed = Paho.connect(cluster.port(2), "cr-w1", withWill);
        Paho sub = Paho.connect(cluster.port(2), "cr-dev", false).subscribe("cr/data", 2);
        Paho pub = Paho.connect(cluster.port(1), "cr-pub", true);
        for (int i = 0; i < 20; i++) {
            pub.publish("cr/data", "before-" + i, 1 + i % 2, false);
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> sub.received.size() == 20);

        cluster.crash(2);
        // published (and acknowledged) while the subscriber's node is dead and before it reconnects
        for (int i = 0; i < 30; i++) {
            pub.publish("cr/data", "after-" + i, 1 + i % 2, false);
        }
        Paho.Received will = watcher.next(15_000);
        assertThat(will).as("the will of a client of the dead node").isNotNull();
        assertThat(will.payload()).isEqualTo("w1 is gone");

        try (Paho resumed = Paho.connect(cluster.port(0), "cr-dev", false)) {
            Set<String> got = new HashSet<>();
            Paho.Received r;
            while (got.size() < 30 && (r = resumed.next(10_000)) != null) {
                got.add(r.payload());
            }
            for (int i = 0; i < 30; i++) {
                assertThat(got).contains("after-" + i);
            }
        } finally {
            pub.close();
            watcher.close();
            doomed.client.close(true);
            sub.client.close(true);
        }
        assertThat(watcher.received).as("the will is published once").isEmpty();
    }

    // a graceful stop closes its connections as a server shutdown: wills are published, sessions released
    @Test
    void gracefulStop_publishesTheWillsOfItsClients_andTheirSessionsResumeElsewhere() throws Exception {
        Paho watcher = Paho.connect(cluster.port(0), "gs-watch", true).subscribe("gs/will/#", 1);
        MqttConnectOptions withWill = new MqttConnectOptions();
        withWill.setWill("gs/will/a", "a stopped".getBytes(), 1, false);
        Paho client = Paho.connect(cluster.port(1), "gs-a", withWill);
        Paho dev = Paho.connect(cluster.port(1), "gs-dev", false).subscribe("gs/data", 1);
        cluster.node(1).stop();
        try {
            Paho.Received will = watcher.next(15_000);
            assertThat(will).isNotNull();
            assertThat(will.payload()).isEqualTo("a stopped");
            try (Paho pub = Paho.connect(cluster.port(2), "gs-pub", true)) {
                pub.publish("gs/data", "after stop", 1, false);
            }
            try (Paho resumed = Paho.connect(cluster.port(0), "gs-dev", false)) {
                Paho.Received r = resumed.next(10_000);
                assertThat(r).isNotNull();
                assertThat(r.payload()).isEqualTo("after stop");
            }
        } finally {
            watcher.close();
            client.client.close(true);
            dev.client.close(true);
        }
    }
}
