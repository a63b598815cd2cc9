package io.mqttcluster.broker.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A broker node run as its own process from the shaded jar, as users run it; killable with SIGKILL. */
public final class NodeProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("broker_listening .*mqtt_port=(\\d+) http_port=(\\d+)");

    private static final Path ENV = Path.of("/usr/bin/env");

    public final Process process;
    public final List<String> output = new CopyOnWriteArrayList<>();
    private final CompletableFuture<int[]> ports = new CompletableFuture<>();
    private final Thread reader;

    /** Where every node's output is also written, one file per process, kept for reading after a failed run. */
    static final Path LOG_DIR = Path.of(System.getProperty("node.logs", "target/node-logs"));
    private static final java.util.concurrent.atomic.AtomicInteger SEQ = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Node processes still running when the test JVM ends (a fork timeout sends it SIGTERM) are killed with it,
     * so they cannot hold ports and CPU for the runs after it.
     */
    private static final java.util.Set<Process> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "kill-node-processes"));
    }

    private NodeProcess(Process process) {
        this.process = process;
        RUNNING.add(process);
        process.onExit().thenRun(() -> RUNNING.remove(process));
        Path logFile = LOG_DIR.resolve(java.time.LocalTime.now().toString().replace(':', '-') + "-" + SEQ.incrementAndGet()
                + "-pid" + process.pid() + ".log");
        reader = new Thread(() -> {
            java.io.Writer file = null;
            try {
                Files.createDirectories(LOG_DIR);
                file = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                file = null;
            }
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    if (file != null) {
                        file.write(line);
                        file.write('\n');
                        file.flush();
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        ports.complete(new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
                    }
                }
            } catch (IOException ignored) {
                // process ended
            } finally {
                if (file != null) {
                    try {
                        file.close();
                    } catch (IOException ignored) {
                        // best effort
                    }
                }
            }
            ports.completeExceptionally(new IllegalStateException("node exited before listening: " + output));
        }, "node-output");
        reader.setDaemon(true);
        reader.start();
    }

    public static Path jar() {
        Path p = Path.of("target", "broker-node.jar");
        if (!Files.exists(p)) {
            p = Path.of("broker-node", "target", "broker-node.jar");
        }
        return p.toAbsolutePath();
    }

    /** Starts {@code java -jar broker-node.jar args...} with extra environment variables. */
    public static NodeProcess start(List<String> args, Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(ENV)) {
            // As a service manager starts it: signals at their defaults. A test run under nohup (or any parent
            // that ignores SIGHUP) would otherwise pass "ignored" on to the node, and the JVM cannot undo that.
            cmd.addAll(List.of(ENV.toString(), "--default-signal=HUP"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.directory(new File(System.getProperty("java.io.tmpdir")));
        return new NodeProcess(pb.start());
    }

    /** Starts a full command line (e.g. wrapped in {@code ip netns exec}). */
    public static NodeProcess startCommand(List<String> cmd, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.directory(new File(System.getProperty("java.io.tmpdir")));
        return new NodeProcess(pb.start());
    }

    /** Waits for the "broker_listening" line; returns {mqttPort, httpPort}. */
    public int[] awaitListening(long seconds) throws Exception {
        return ports.get(seconds, TimeUnit.SECONDS);
    }

    public int awaitExit(long seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException("still running");
        }
        reader.join(TimeUnit.SECONDS.toMillis(seconds)); // all output read
        return process.exitValue();
    }

    public String allOutput() {
        return String.join("\n", output);
    }

    /** SIGKILL. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: graceful
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
