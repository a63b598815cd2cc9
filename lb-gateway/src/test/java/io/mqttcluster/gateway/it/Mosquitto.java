package io.mqttcluster.gateway.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A mosquitto broker process on 127.0.0.1, started with a generated config file; stopped by PID. */
final class Mosquitto implements AutoCloseable {
    static final String BINARY = System.getProperty("mosquitto.binary", "/usr/sbin/mosquitto");

    private final int port;
    private final Process process;
    private final Path dir;

    private Mosquitto(int port, Process process, Path dir) {
        this.port = port;
        this.process = process;
        this.dir = dir;
    }

    static boolean available() {
        return Files.isExecutable(Path.of(BINARY));
    }

    /** Starts mosquitto on a free port and waits until it accepts TCP connections. */
    static Mosquitto start() throws IOException {
        return start(FreePorts.next());
    }

    static Mosquitto start(int port) throws IOException {
        Path dir = Files.createTempDirectory("mosquitto-" + port + "-");
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, String.join("\n",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                "log_dest stdout",
                "log_type error",
                "log_type warning",
                "max_keepalive 65535",
                ""));
        Process p = new ProcessBuilder(BINARY, "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        Mosquitto m = new Mosquitto(port, p, dir);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("mosquitto exited: " + Files.readString(dir.resolve("mosquitto.log")));
            }
            return accepts(port);
        });
        return m;
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    int port() {
        return port;
    }

    String key() {
        return "127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL, and wait for the process to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    kill();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return "mosquitto(" + key() + ", pid " + pid() + ")";
    }
}
