package io.mqttcluster.faults.cluster;

import io.mqttcluster.faults.client.Endpoint;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A single Mosquitto broker on loopback, as a yardstick: the same clients and checker against a broker that
 * is known to keep QoS 2 exactly once across reconnects. Only client-side faults apply (reconnect, takeover).
 */
public final class MosquittoTarget implements Target {

    public static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final NodeProcess process;
    private final int port;

    public MosquittoTarget(Path logDir) throws IOException {
        port = FreePorts.take(1).get(0);
        Path conf = logDir.resolve("mosquitto.conf");
        Files.writeString(conf, String.join("\n",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                "max_inflight_messages 32",
                "max_queued_messages 1000000",
                "user root",
                "log_dest file " + logDir.resolve("mosquitto.log"),
                "log_type error", "log_type warning", "log_type notice", "log_type information", ""), StandardCharsets.UTF_8);
        process = new NodeProcess("mosq", List.of(BINARY.toString(), "-c", conf.toString()), logDir,
                line -> false); // mosquitto buffers its standard output: readiness is a TCP connect
    }

    @Override
    public String describe() {
        return "mosquitto on 127.0.0.1:" + port;
    }

    @Override
    public void start() throws Exception {
        process.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                process.markReady();
                return;
            } catch (IOException e) {
                Thread.sleep(100); // not listening yet; bounded by the deadline
            }
        }
        throw new IllegalStateException("mosquitto did not listen on " + port + " within 30 s");
    }

    @Override
    public List<Endpoint> endpoints() {
        return List.of(new Endpoint("mosq", "127.0.0.1", port));
    }

    @Override
    public boolean steady() {
        return process.isServing();
    }

    @Override
    public List<NodeProcess> nodes() {
        return List.of(process);
    }

    @Override
    public String metrics(int node) {
        return null;
    }

    @Override
    public void close() {
        process.close();
    }
}
