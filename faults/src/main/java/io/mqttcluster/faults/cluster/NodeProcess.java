package io.mqttcluster.faults.cluster;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One server process of the run (a broker node, the gateway, mosquitto) that the nemesis kills, stops,
 * continues and restarts: the same command line each time, each incarnation's output in its own log file
 * ({@code <name>.<incarnation>.log}). Methods are called by one thread at a time (the fault runner or the
 * harness).
 */
public final class NodeProcess implements AutoCloseable {

    private static final Path ENV = Path.of("/usr/bin/env");

    private final String name;
    private final List<String> command;
    private final Path logDir;
    private final Predicate<String> readyLine;
    private Process process;
    private int incarnation;
    private volatile boolean stopped;
    private CompletableFuture<Void> ready = new CompletableFuture<>();

    /**
     * @param command   the full command line (maybe wrapped in {@code ip netns exec})
     * @param readyLine the output line that says the process serves
     */
    public NodeProcess(String name, List<String> command, Path logDir, Predicate<String> readyLine) {
        this.name = name;
        this.command = List.copyOf(command);
        this.logDir = logDir;
        this.readyLine = readyLine;
    }

    /** The JVM command line prefix for a jar: default signals (as a service manager starts it), heap, -jar. */
    public static List<String> javaJar(Path jar, String heap) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(ENV)) {
            cmd.addAll(List.of(ENV.toString(), "--default-signal=HUP"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        cmd.add("-jar");
        cmd.add(jar.toAbsolutePath().toString());
        return cmd;
    }

    public String name() {
        return name;
    }

    public int incarnation() {
        return incarnation;
    }

    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        incarnation++;
        stopped = false;
        ready = new CompletableFuture<>();
        Path log = logDir.resolve(name + "." + incarnation + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.directory(logDir.toFile());
        process = pb.start();
        Process p = process;
        CompletableFuture<Void> r = ready;
        Thread t = new Thread(() -> copy(p, log, r), "log-" + name + "-" + incarnation);
        t.setDaemon(true);
        t.start();
    }

    private void copy(Process p, Path log, CompletableFuture<Void> r) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.newLine();
                if (!r.isDone() && readyLine.test(line)) {
                    out.flush();
                    r.complete(null);
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        }
        r.completeExceptionally(new IOException(name + " exited before it was ready; see " + log));
    }

    /** Waits until the process printed its ready line. */
    public void awaitReady(long seconds) throws Exception {
        ready.get(seconds, TimeUnit.SECONDS);
    }

    public boolean isReady() {
        return ready.isDone() && !ready.isCompletedExceptionally() && isAlive();
    }

    /** Marks the process ready when readiness is found some other way than a line of output. */
    public void markReady() {
        ready.complete(null);
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Running and not stopped with SIGSTOP. */
    public boolean isServing() {
        return isAlive() && !stopped;
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** SIGKILL; waits until the process is gone. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        stopped = false;
    }

    /** SIGSTOP: the process freezes, its sockets stay open. */
    public synchronized void pause() throws IOException {
        Shell.check("kill", "-STOP", String.valueOf(pid()));
        stopped = true;
    }

    /** SIGCONT. */
    public synchronized void resume() throws IOException {
        Shell.check("kill", "-CONT", String.valueOf(pid()));
        stopped = false;
    }

    public boolean isPaused() {
        return stopped;
    }

    /** SIGTERM (after SIGCONT if stopped), then SIGKILL after {@code seconds}. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        if (stopped) {
            Shell.run("kill", "-CONT", String.valueOf(pid()));
            stopped = false;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
