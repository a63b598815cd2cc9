package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.TestCluster;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The cluster invariants on three real in-process nodes (DESIGN.md section 2). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterIT {

    static TestCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(3);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static int port(int i) {
        return cluster.port(i);
    }

    // Invariant 1: a message published on any node reaches every matching subscriber on every node, once
    @Test
    void crossNode_eachSubscriberOnEachNodeGetsOneCopy_atEveryQos() throws Exception {
        try (Paho s0 = Paho.connect(port(0), "x-s0", true).subscribe("x/#", 2);
             Paho s1 = Paho.connect(port(1), "x-s1", true).subscribe("x/#", 2).subscribe("x/+", 1);
             Paho s2 = Paho.connect(port(2), "x-s2", true).subscribe("x/a", 2);
             Paho pub = Paho.connect(port(0), "x-pub", true)) {
            for (int q = 0; q <= 2; q++) {
                pub.publish("x/a", "q" + q, q, false);
            }
            for (Paho s : List.of(s0, s1, s2)) {
                List<String> got = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Paho.Received r = s.next(5000);
                    assertThat(r).as("message %d", i).isNotNull();
                    got.add(r.payload() + "@" + r.qos());
                }
                assertThat(got).containsExactlyInAnyOrder("q0@0", "q1@1", "q2@2");
                assertThat(s.next(300)).as("no second copy").isNull();
            }
        }
    }

    // Invariant 2: order from one publisher on one topic, across nodes, for each QoS
    @Test
    void crossNode_orderIsKept() throws Exception {
        try (Paho sub = Paho.connect(port(1), "o-sub", true).subscribe("o/#", 2);
             Paho pub = Paho.connect(port(2), "o-pub", true)) {
            for (int q = 0; q <= 2; q++) {
                for (int i = 0; i < 300; i++) {
                    pub.client.publish("o/" + q, (q + ":" + i).getBytes(StandardCharsets.UTF_8), q, false);
                }
            }
            Map<Integer, List<Integer>> byQos = new HashMap<>();
            for (int i = 0; i < 900; i++) {
                Paho.Received r = sub.next(10_000);
                assertThat(r).as("message %d", i).isNotNull();
                String[] parts = r.payload().split(":");
                byQos.computeIfAbsent(Integer.parseInt(parts[0]), k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
            }
            for (int q = 0; q <= 2; q++) {
                assertThat(byQos.get(q)).as("qos %d", q).hasSize(300).isSorted();
            }
        }
    }

    // read-your-writes for subscriptions: a publish on another node right after the SUBACK is delivered
    @Test
    void subscribeOnOneNode_thenPublishOnAnotherAtOnce_isDelivered() throws Exception {
        try (Paho pub = Paho.connect(port(0), "ryw-pub", true)) {
            for (int i = 0; i < 20; i++) {
                try (Paho sub = Paho.connect(port(1 + i % 2), "ryw-sub-" + i, true).subscribe("ryw/" + i, 0)) {
                    pub.publish("ryw/" + i, "now", 0, false);
                    assertThat(sub.next(5000)).as("round %d", i).isNotNull();
                }
            }
        }
    }

    // Invariant 3: a persistent session resumes on any node with everything published meanwhile, in order
    @Test
    void persistentSession_createdOnA_publishedOnC_resumedOnB() throws Exception {
        try (Paho dev = Paho.connect(port(0), "ps-dev", false)) {
            dev.subscribe("ps/#", 2);
        }
        try (Paho pub = Paho.connect(port(2), "ps-pub", true)) {
            for (int i = 0; i < 50; i++) {
                pub.publish("ps/t", "m" + i, 1 + (i % 2), false);
            }
        }
        try (RawClient raw = new RawClient(port(1))) {
            raw.send(RawClient.connect("ps-dev", false, 30));
            RawClient.Packet connack = raw.read();
            assertThat(connack.body()[0] & 1).as("session present").isEqualTo(1);
            List<String> got = new ArrayList<>();
            while (got.size() < 50) {
                RawClient.Packet p = raw.read();
                if (p.type() != RawClient.PUBLISH) {
                    if (p.type() == RawClient.PUBREL) {
                        raw.send(RawClient.ack(RawClient.PUBCOMP, p.packetId()));
                    }
                    continue;
                }
                got.add(RawClient.payloadOf(p));
                int qos = (p.flags() >> 1) & 3;
                int id = RawClient.publishPacketId(p);
                raw.send(RawClient.ack(qos == 1 ? RawClient.PUBACK : RawClient.PUBREC, id));
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                expected.add("m" + i);
            }
            assertThat(got).containsExactlyElementsOf(expected);
        }
    }

    // Invariant 6: one live connection per client id, cluster-wide; no will on takeover
    @Test
    void takeoverAcrossNodes_closesTheOldConnection_withoutWill_andTheSessionMoves() throws Exception {
        try (Paho watcher = Paho.connect(port(2), "tk-watch", true).subscribe("tk/will", 1)) {
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            o.setWill("tk/will", "old died".getBytes(), 1, false);
            Paho old = Paho.connect(port(0), "tk-dev", o);
            old.subscribe("tk/data", 1);
            try (Paho fresh = Paho.connect(port(1), "tk-dev", false); Paho pub = Paho.connect(port(2), "tk-pub", true)) {
                await().atMost(10, TimeUnit.SECONDS).until(() -> !old.client.isConnected());
                pub.publish("tk/data", "to-new", 1, false);
                Paho.Received r = fresh.next(5000);
                assertThat(r).isNotNull();
                assertThat(r.payload()).isEqualTo("to-new");
                assertThat(old.received).isEmpty();
                pub.publish("tk/will", "marker", 1, false);
                assertThat(watcher.next(5000).payload()).isEqualTo("marker");
                assertThat(watcher.next(300)).as("no will for a takeover").isNull();
            } finally {
                old.close();
            }
        }
    }

    // Invariant 7: the last retained message per topic is visible from every node; empty payload clears
    @Test
    void retained_isVisibleFromEveryNode_andClearedEverywhere() throws Exception {
        try (Paho pub = Paho.connect(port(0), "rt-pub", true)) {
            pub.publish("rt/x", "v1", 1, true);
            pub.publish("rt/x", "v2", 1, true);
        }
        for (int i = 0; i < 3; i++) {
            int node = i;
            await().atMost(5, TimeUnit.SECONDS).until(() -> cluster.node(node).cluster().retained().get("rt/x") != null
                    && new String(cluster.node(node).cluster().retained().get("rt/x").payload()).equals("v2"));
            try (Paho sub = Paho.connect(port(i), "rt-sub-" + i, true)) {
                sub.subscribe("rt/+", 1);
                Paho.Received r = sub.next(5000);
                assertThat(r.payload()).isEqualTo("v2");
                assertThat(r.retained()).isTrue();
            }
        }
        try (Paho pub = Paho.connect(port(2), "rt-pub2", true)) {
            pub.publish("rt/x", "", 1, true);
        }
        for (int i = 0; i < 3; i++) {
            int node = i;
            await().atMost(5, TimeUnit.SECONDS).until(() -> cluster.node(node).cluster().retained().get("rt/x") == null);
        }
    }

    // Invariant 8: each message to a shared group goes to exactly one member, across the cluster
    @Test
    void sharedSubscription_acrossNodes_exactlyOncePerGroup() throws Exception {
        try (Paho a = Paho.connect(port(0), "sg-a", true).subscribe("$share/ingest/sg/+", 1);
             Paho b = Paho.connect(port(1), "sg-b", true).subscribe("$share/ingest/sg/+", 1);
             Paho c = Paho.connect(port(2), "sg-c", true).subscribe("$share/ingest/sg/+", 1);
             Paho other = Paho.connect(port(1), "sg-other", true).subscribe("$share/audit/sg/+", 1);
             Paho pub = Paho.connect(port(0), "sg-pub", true)) {
            int n = 300;
            for (int i = 0; i < n; i++) {
                pub.publish("sg/" + (i % 5), "m" + i, 1, false);
            }
            Set<String> seen = new HashSet<>();
            int[] counts = new int[3];
            List<Paho> members = List.of(a, b, c);
            long deadline = System.currentTimeMillis() + 20_000;
            while (seen.size() < n && System.currentTimeMillis() < deadline) {
                for (int m = 0; m < 3; m++) {
                    Paho.Received r = members.get(m).next(50);
                    if (r != null) {
                        assertThat(seen.add(r.payload())).as("once across the group: %s", r.payload()).isTrue();
                        counts[m]++;
                    }
                }
            }
            assertThat(seen).hasSize(n);
            for (int m = 0; m < 3; m++) {
                assertThat(counts[m]).as("member %d got a share", m).isGreaterThan(n / 6);
            }
            for (Paho m : members) {
                assertThat(m.next(200)).isNull();
            }
            Set<String> audit = new HashSet<>();
            Paho.Received r;
            while ((r = other.next(1000)) != null) {
                audit.add(r.payload());
            }
            assertThat(audit).as("a second group gets its own copy of each").hasSize(n);
        }
    }

    @Test
    void sharedMemberLeaving_withUnacknowledgedMessages_handsThemToAMemberOnAnotherNode() throws Exception {
        try (Paho keeper = Paho.connect(port(2), "sl-keeper", true).subscribe("$share/g/sl/t", 1);
             RawClient leaver = new RawClient(port(0))) {
            leaver.send(RawClient.connect("sl-leaver", true, 30));
            leaver.read();
            leaver.send(RawClient.subscribe(1, "$share/g/sl/t", 1));
            leaver.readUntil(RawClient.SUBACK);
            try (Paho pub = Paho.connect(port(1), "sl-pub", true)) {
                for (int i = 0; i < 20; i++) {
                    pub.publish("sl/t", "m" + i, 1, false);
                }
            }
            leaver.readUntil(RawClient.PUBLISH); // it got some, acknowledges none, and leaves
            leaver.close();
            Set<String> got = new HashSet<>();
            Paho.Received r;
            while (got.size() < 20 && (r = keeper.next(5000)) != null) {
                got.add(r.payload());
            }
            assertThat(got).hasSize(20);
        }
    }
}
