package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.ProcessCluster;
import io.mqttcluster.broker.testing.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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

/**
 * A node whose process stands still (SIGSTOP, as a long GC pause or a frozen VM would) past the heartbeat timeout
 * is removed by the others, which take over its clients; when it runs again its member list is stale and still
 * shows a quorum. It notices the pause itself, fences itself (not ready, no new clients, its connections closed),
 * and once it is back in the cluster the persistent session it held has every message acknowledged meanwhile.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PauseIT {

    @Test
    void aNodeStoppedPastTheHeartbeatTimeout_fencesItselfWhenItRunsAgain_andNothingAcknowledgedIsLost() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        try (ProcessCluster cluster = ProcessCluster.start(3, Map.of())) {
            Paho dev = Paho.connect(cluster.mqttPort(2), "pause-dev", false).subscribe("pause/#", 1);
            Paho watcher = Paho.connect(cluster.mqttPort(0), "pause-watcher", true).subscribe("pause/#", 1);
            long pid = cluster.nodes.get(2).process.pid();

            signal("STOP", pid);
            long stoppedAt = System.nanoTime();
            List<String> acknowledged = new ArrayList<>();
            try {
                await().atMost(30, TimeUnit.SECONDS).until(() -> cluster.members(0) == 2);
                long leftAt = System.nanoTime();
                // right after the member left, a store write can still miss its backup's answer: the node then
                // refuses the CONNECT (server unavailable) or closes the connection, and a device tries again
                Paho[] pub = {connectRetrying(cluster.mqttPort(1), "pause-pub", true)};
                for (int i = 0; i < 50; i++) {
                    publishOrReconnect(pub, cluster.mqttPort(1), "pause-pub", "pause/t", 1, "m" + i, acknowledged);
                }
                pub[0].close();
                // The fault lasts 12 s in all, well past the heartbeat timeout (5 s). Meanwhile the two healthy nodes
                // keep their quorum and take clients: Hazelcast's output thread for a connection to the stopped node
                // spins, and with the default 3 threads it held back their heartbeats to each other, so they lost
                // the quorum and split (4 of 6 runs). The first 2.5 s after the member left are exempt: a write
                // whose backup was on the stopped node can still fail then (the client tries again).
                int probes = 0;
                while ((System.nanoTime() - stoppedAt) / 1_000_000 < 12_000 || probes < 6) {
                    await().pollDelay(400, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> true);
                    if ((System.nanoTime() - leftAt) / 1_000_000 < 2500) {
                        continue;
                    }
                    int node = probes++ % 2;
                    assertThat(cluster.members(node)).as("members seen by healthy node " + (node + 1)).isEqualTo(2);
                    assertThat(ready(http, cluster.httpPort(node))).as("healthy node " + (node + 1) + " ready").isEqualTo(200);
                    Paho probe = Paho.connect(cluster.mqttPort(node), "pause-probe-" + probes, true);
                    probe.client.publish("pause/probe", "p".getBytes(), 1, false);
                    probe.close();
                }
            } finally {
                signal("CONT", pid);
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> cluster.nodes.get(2).allOutput().contains("event=node_paused"));
            assertThat(ready(http, cluster.httpPort(2))).as("fenced right after it runs again").isEqualTo(503);

            Set<String> seen = new HashSet<>();
            Paho.Received r;
            while (seen.size() < acknowledged.size() && (r = watcher.next(10_000)) != null) {
                seen.add(r.payload());
            }
            assertThat(seen).containsAll(acknowledged);

            await().atMost(90, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500))
                    .until(() -> cluster.members(2) == 3 && ready(http, cluster.httpPort(2)) == 200);
            dev.close();
            Paho back = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (back == null && System.currentTimeMillis() < deadline) {
                try {
                    back = Paho.connect(cluster.mqttPort(2), "pause-dev", false);
                } catch (Exception e) {
                    await().pollDelay(300, TimeUnit.MILLISECONDS).atMost(1, TimeUnit.SECONDS).until(() -> true);
                }
            }
            assertThat(back).as("the paused node serves again").isNotNull();
            Set<String> got = new HashSet<>();
            while (got.size() < acknowledged.size() && (r = back.next(10_000)) != null) {
                got.add(r.payload());
            }
            assertThat(got).as("the persistent session held by the paused node").containsAll(acknowledged);
            assertThat(cluster.metric(2, "mqtt_node_pauses_total")).isEqualTo(1.0);
            back.close();
            watcher.close();
        }
    }

    /**
     * Fault harness seed 102: while the node of a shared group's persistent members stood still, QoS 2 messages
     * picked for them were acknowledged, and neither member got them after reconnecting elsewhere.
     */
    @Test
    void sharedGroupMembersOnAStoppedNode_getEveryAcknowledgedQos2MessageAfterTheyMove() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(3, Map.of())) {
            Paho a = Paho.connect(cluster.mqttPort(2), "pause-sh-a", false).subscribe("$share/pg/pause/#", 2);
            Paho b = Paho.connect(cluster.mqttPort(2), "pause-sh-b", false).subscribe("$share/pg/pause/#", 2);
            long pid = cluster.nodes.get(2).process.pid();

            signal("STOP", pid);
            long stoppedAt = System.nanoTime();
            List<String> acknowledged = new ArrayList<>();
            Paho[] pub = {connectRetrying(cluster.mqttPort(1), "pause-sh-pub", true)};
            try {
                // acknowledged once node 3 is declared dead, about 5 s in
                for (int i = 0; i < 40; i++) {
                    publishOrReconnect(pub, cluster.mqttPort(1), "pause-sh-pub", "pause/t", 2, "s" + i, acknowledged);
                }
                long left = 8000 - (System.nanoTime() - stoppedAt) / 1_000_000;
                if (left > 0) {
                    await().pollDelay(left, TimeUnit.MILLISECONDS).atMost(left + 1000, TimeUnit.MILLISECONDS).until(() -> true);
                }
                // and some while the members are gone and before they are back
                for (int i = 40; i < 60; i++) {
                    publishOrReconnect(pub, cluster.mqttPort(1), "pause-sh-pub", "pause/t", 2, "s" + i, acknowledged);
                }
                pub[0].close();
            } finally {
                signal("CONT", pid);
            }
            a.client.disconnectForcibly(0, 1000, false);
            b.client.disconnectForcibly(0, 1000, false);
            // node 3 merges back meanwhile: a CONNECT can be refused (server unavailable) for a moment
            Paho a2 = connectRetrying(cluster.mqttPort(0), "pause-sh-a", false);
            Paho b2 = connectRetrying(cluster.mqttPort(0), "pause-sh-b", false);
            List<String> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (new HashSet<>(got).size() < acknowledged.size() && System.currentTimeMillis() < deadline) {
                for (Paho m : List.of(a2, b2)) {
                    Paho.Received r = m.next(200);
                    if (r != null) {
                        got.add(r.payload());
                    }
                }
            }
            assertThat(new HashSet<>(got)).as("the group got every acknowledged message").containsAll(acknowledged);
            assertThat(got).as("each once").doesNotHaveDuplicates();
            a2.close();
            b2.close();
        }
    }

    /**
     * Publishes; when the node closes the connection instead (a store write it could not confirm while the cluster
     * was reorganising), connects again, as a device would. Only what was acknowledged counts.
     */
    /**
     * The shape of fault harness seed 796589107: a group member moves to another node while its node stands still;
     * when that node runs again it closes the member's old connection, and its leave must not remove the membership
     * the member made on the other node. (A leave now removes only a membership that names the leaving node,
     * {@code SharedGroupsStoreTest}; here the paused node's late leave did not reach the cluster even before that,
     * in 2 of 2 runs, so this guards the whole path rather than reproducing the loss.)
     */
    @Test
    void aMemberThatMovedWhileItsNodeStoodStill_staysInItsGroupWhenTheOldConnectionCloses() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        try (ProcessCluster cluster = ProcessCluster.start(3, Map.of())) {
            Paho old = Paho.connect(cluster.mqttPort(2), "pause-mv", true).subscribe("$share/mv/pause/mv", 1);
            long pid = cluster.nodes.get(2).process.pid();
            signal("STOP", pid);
            Paho moved;
            try {
                await().atMost(30, TimeUnit.SECONDS).until(() -> cluster.members(0) == 2);
                moved = connectRetrying(cluster.mqttPort(0), "pause-mv", true).subscribe("$share/mv/pause/mv", 1);
            } finally {
                signal("CONT", pid);
            }
            // node 3 notices its pause and closes its connections, the member's old one among them
            await().atMost(10, TimeUnit.SECONDS).until(() -> cluster.nodes.get(2).allOutput().contains("event=node_paused"));
            await().atMost(90, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500))
                    .until(() -> cluster.members(2) == 3 && ready(http, cluster.httpPort(2)) == 200);
            old.client.disconnectForcibly(0, 1000, false);

            List<String> acknowledged = new ArrayList<>();
            Paho[] pub = {connectRetrying(cluster.mqttPort(1), "pause-mv-pub", true)};
            for (int i = 0; i < 20; i++) {
                publishOrReconnect(pub, cluster.mqttPort(1), "pause-mv-pub", "pause/mv", 1, "mv" + i, acknowledged);
            }
            pub[0].close();
            Set<String> got = new HashSet<>();
            Paho.Received r;
            while (got.size() < acknowledged.size() && (r = moved.next(10_000)) != null) {
                got.add(r.payload());
            }
            assertThat(got).as("the moved member, still connected, gets the group's messages").containsAll(acknowledged);
            moved.close();
        }
    }

    private static void publishOrReconnect(Paho[] pub, int port, String clientId, String topic, int qos, String payload,
                                           List<String> acknowledged) throws Exception {
        try {
            pub[0].publish(topic, payload, qos, false);
            acknowledged.add(payload);
        } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
            pub[0].client.close(true);
            pub[0] = connectRetrying(port, clientId, true);
        }
    }

    /** A connection, tried again for up to 20 s while the node refuses it (server unavailable). */
    private static Paho connectRetrying(int port, String clientId, boolean cleanSession) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            try {
                return Paho.connect(port, clientId, cleanSession);
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                await().pollDelay(200, TimeUnit.MILLISECONDS).atMost(1, TimeUnit.SECONDS).until(() -> true);
            }
        }
    }

    /**
     * A store write that gets no answer (here: the member holding its partition or backup stands still, and is
     * kept a member by a long heartbeat timeout) is tried again within {@code cluster.store-timeout}; when every
     * try fails, an MQTT 5 publisher gets DISCONNECT 0x89 (server busy) instead of an acknowledgement
     * [MQTT-4.13.2-1], and sends the message again once the cluster answers: each message arrives exactly once.
     */
    @Test
    void storeWritesWithoutAnAnswer_disconnectMqtt5PublishersWithServerBusy0x89_andTheirResentMessagesArriveOnce() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(3, Map.of("cluster.store-timeout", "500ms",
                "cluster.max-no-heartbeat", "60s"))) {
            Paho watcher = Paho.connect(cluster.mqttPort(1), "busy-watcher", true).subscribe("busy/#", 2);
            int n = 12; // each client id's QoS 2 state is in one partition: 12 make one on the stopped member certain
            List<RawClient> pubs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RawClient c = new RawClient(cluster.mqttPort(0));
                c.send(RawClient.connect5("busy-pub-" + i, false, 60, 300, null, null, 0, 0));
                assertThat(c.readUntil(RawClient.CONNACK).body()[1]).isZero();
                pubs.add(c);
            }
            long pid = cluster.nodes.get(2).process.pid();
            Map<Integer, Integer> outcome = new HashMap<>(); // client -> PUBREC (5) or the DISCONNECT reason code
            signal("STOP", pid);
            try {
                for (int i = 0; i < n; i++) {
                    pubs.get(i).send(RawClient.publish5("busy/" + i, ("m" + i).getBytes(StandardCharsets.UTF_8), 2, 1, new byte[0]));
                }
                for (int i = 0; i < n; i++) {
                    RawClient.Packet p = pubs.get(i).read(); // fails on a close without DISCONNECT
                    assertThat(p.type()).as("client %d: PUBREC or DISCONNECT", i).isIn(RawClient.PUBREC, RawClient.DISCONNECT);
                    outcome.put(i, p.type() == RawClient.PUBREC ? RawClient.PUBREC : RawClient.reasonCode(p));
                }
            } finally {
                signal("CONT", pid);
            }
            assertThat(outcome.values()).as("every unanswered publisher told why").containsOnly(RawClient.PUBREC, 0x89)
                    .contains(0x89);
            assertThat(cluster.metric(0, "mqtt_disconnects_sent_total", "reason", "server_busy"))
                    .isEqualTo((double) outcome.values().stream().filter(c -> c == 0x89).count());

            // the refused ones send again with DUP on a new connection; the acknowledged ones release theirs
            for (int i = 0; i < n; i++) {
                pubs.get(i).close();
                if (outcome.get(i) == RawClient.PUBREC) {
                    continue;
                }
                int client = i;
                await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500)).until(() -> resent(cluster, client));
            }
            for (int i = 0; i < n; i++) {
                if (outcome.get(i) == RawClient.PUBREC) {
                    try (RawClient c = new RawClient(cluster.mqttPort(0))) {
                        c.send(RawClient.connect5("busy-pub-" + i, false, 60, 300, null, null, 0, 0));
                        c.readUntil(RawClient.CONNACK);
                        c.send(RawClient.pubrel(1));
                        c.readUntil(RawClient.PUBCOMP);
                    }
                }
            }
            List<String> got = new ArrayList<>();
            Paho.Received r;
            while (got.size() < n && (r = watcher.next(20_000)) != null) {
                got.add(r.payload());
            }
            assertThat(watcher.next(1_000)).as("no second copy").isNull();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                expected.add("m" + i);
            }
            assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
            watcher.close();
        }
    }

    /** Resends message 1 of publisher {@code i} with DUP and releases it; false when the cluster is not ready yet. */
    private static boolean resent(ProcessCluster cluster, int i) {
        try (RawClient c = new RawClient(cluster.mqttPort(0))) {
            c.send(RawClient.connect5("busy-pub-" + i, false, 60, 300, null, null, 0, 0));
            RawClient.Packet ack = c.readUntil(RawClient.CONNACK);
            if (ack.body()[1] != 0) {
                return false;
            }
            byte[] again = RawClient.publish5("busy/" + i, ("m" + i).getBytes(StandardCharsets.UTF_8), 2, 1, new byte[0]);
            again[0] |= 0x08; // DUP
            c.send(again);
            if (c.read().type() != RawClient.PUBREC) {
                return false;
            }
            c.send(RawClient.pubrel(1));
            return c.readUntil(RawClient.PUBCOMP) != null;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, String.valueOf(pid)).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    private static int ready(HttpClient http, int port) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
