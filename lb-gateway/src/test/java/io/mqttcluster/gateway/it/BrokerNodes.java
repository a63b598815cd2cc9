package io.mqttcluster.gateway.it;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Our own broker nodes, run from {@code broker-node/target/broker-node.jar} as processes and joined into
 * one cluster, for end-to-end tests of the gateway in front of the real thing. The gateway module has no
 * code dependency on the broker: the jar is built earlier in the same reactor.
 */
final class BrokerNodes implements AutoCloseable {

    /** One node process and its ports. */
    static final class Node {
        final int index;
        final int mqttPort;
        final int httpPort;
        final int clusterPort;
        final int busPort;
        Process process;

        Node(int index, int mqttPort, int httpPort, int clusterPort, int busPort) {
            this.index = index;
            this.mqttPort = mqttPort;
            this.httpPort = httpPort;
            this.clusterPort = clusterPort;
            this.busPort = busPort;
        }

        /** The gateway's node entry: host:mqttPort:httpPort. */
        String entry() {
            return "127.0.0.1:" + mqttPort + ":" + httpPort;
        }

        /** The gateway's key for this node (the hash input). */
        String key() {
            return "127.0.0.1:" + mqttPort;
        }
    }

    final List<Node> nodes = new ArrayList<>();
    private final String clusterName = "gw-e2e-" + UUID.randomUUID();
    private final boolean proxyProtocol;
    /** More arguments for every node (e.g. --set auth...). */
    final List<String> extraArgs = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private BrokerNodes(boolean proxyProtocol) {
        this.proxyProtocol = proxyProtocol;
    }

    static Path jar() {
        return Path.of("..", "broker-node", "target", "broker-node.jar").toAbsolutePath().normalize();
    }

    static boolean available() {
        return Files.exists(jar());
    }

    /** Plans {@code n} nodes (ports picked now); {@code start} brings them up. */
    static BrokerNodes plan(int n, boolean proxyProtocol) throws IOException {
        BrokerNodes b = new BrokerNodes(proxyProtocol);
        // below the kernel's ephemeral range (32768+), so no outgoing connection takes one before the bind
        List<ServerSocket> held = new ArrayList<>();
        try {
            while (held.size() < 4 * n) {
                int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(20_000, 32_768);
                ServerSocket s = new ServerSocket();
                try {
                    s.bind(new java.net.InetSocketAddress("0.0.0.0", port));
                    held.add(s);
                } catch (IOException taken) {
                    s.close();
                }
            }
            for (int i = 0; i < n; i++) {
                b.nodes.add(new Node(i, held.get(4 * i).getLocalPort(), held.get(4 * i + 1).getLocalPort(),
                        held.get(4 * i + 2).getLocalPort(), held.get(4 * i + 3).getLocalPort()));
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return b;
    }

    List<String> entries() {
        return nodes.stream().map(Node::entry).toList();
    }

    List<String> keys() {
        return nodes.stream().map(Node::key).toList();
    }

    /** Starts node i and waits until it listens. */
    void start(int i) throws Exception {
        Node n = nodes.get(i);
        String members = nodes.stream().map(x -> "127.0.0.1:" + x.clusterPort).collect(Collectors.joining(","));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar().toString(),
                "--mqtt-host", "127.0.0.1", "--mqtt-port", String.valueOf(n.mqttPort),
                "--http-host", "127.0.0.1", "--http-port", String.valueOf(n.httpPort),
                "--cluster-port", String.valueOf(n.clusterPort), "--set", "cluster.bus-port=" + n.busPort,
                "--cluster-members", members, "--cluster-name", clusterName,
                "--cluster-size", String.valueOf(nodes.size()), "--set", "cluster.quorum=1",
                "--node-name", "e2e" + i, "--set", "mqtt.event-loops=1"));
        if (proxyProtocol) {
            cmd.addAll(List.of("--proxy-protocol", "--set", "mqtt.proxy-protocol-trusted=127.0.0.1"));
        }
        cmd.addAll(extraArgs);
        n.process = new ProcessBuilder(cmd).redirectErrorStream(true).directory(new File(System.getProperty("java.io.tmpdir"))).start();
        CompletableFuture<Void> listening = new CompletableFuture<>();
        Process p = n.process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.contains("broker_listening")) {
                        listening.complete(null);
                    }
                }
            } catch (IOException ignored) {
                // ended
            }
            listening.completeExceptionally(new IllegalStateException("node " + i + " exited before listening"));
        }, "node-" + i);
        reader.setDaemon(true);
        reader.start();
        listening.get(90, TimeUnit.SECONDS);
    }

    void startAll() throws Exception {
        for (int i = 0; i < nodes.size(); i++) {
            start(i);
        }
    }

    /** SIGKILL. */
    void kill(int i) throws InterruptedException {
        Process p = nodes.get(i).process;
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** The node (index) where a client id is connected now, or -1; asks every live node's /clients/<id>. */
    int whereIs(String clientId) {
        for (Node n : nodes) {
            if (n.process == null || !n.process.isAlive()) {
                continue;
            }
            String body = get(n, "/clients/" + clientId);
            if (body != null && body.contains("\"connected\":true")) {
                return n.index;
            }
        }
        return -1;
    }

    /** What node i's /clients/<id> says, or null. */
    String client(int i, String clientId) {
        return get(nodes.get(i), "/clients/" + clientId);
    }

    /** The remote address node i reports for a client, or null. */
    String remoteOf(int i, String clientId) {
        String body = get(nodes.get(i), "/clients/" + clientId);
        if (body == null || !body.contains("\"remote\":\"")) {
            return null;
        }
        int k = body.indexOf("\"remote\":\"") + 10;
        return body.substring(k, body.indexOf('"', k));
    }

    String post(int i, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes.get(i).httpPort + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private String get(Node n, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            if (n.process != null && n.process.isAlive()) {
                n.process.destroy();
            }
        }
        for (Node n : nodes) {
            if (n.process != null) {
                try {
                    if (!n.process.waitFor(20, TimeUnit.SECONDS)) {
                        n.process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
