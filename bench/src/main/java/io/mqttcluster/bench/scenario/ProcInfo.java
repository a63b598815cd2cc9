package io.mqttcluster.bench.scenario;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads process facts from /proc and the JVM: a broker's resident memory, file descriptor limits. */
public final class ProcInfo {
    private ProcInfo() {
    }

    /** VmRSS of a process in kB (from /proc/PID/status), or -1 when it cannot be read. */
    public static long rssKb(long pid) {
        return statusField(pid, "VmRSS:");
    }

    /** VmHWM (peak resident) of a process in kB, or -1. */
    public static long peakRssKb(long pid) {
        return statusField(pid, "VmHWM:");
    }

    private static long statusField(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The soft "Max open files" limit of a process (from /proc/PID/limits), or -1. */
    public static long maxOpenFiles(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] parts = line.substring("Max open files".length()).trim().split("\\s+");
                    return parts[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** This JVM's open-file limit, or -1 when unknown. */
    public static long ownMaxFiles() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
            return ((com.sun.management.UnixOperatingSystemMXBean) os).getMaxFileDescriptorCount();
        }
        return -1;
    }

    /** File descriptors this JVM has open now, or -1 when unknown. */
    public static long ownOpenFiles() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
            return ((com.sun.management.UnixOperatingSystemMXBean) os).getOpenFileDescriptorCount();
        }
        return -1;
    }

    /** Descriptors kept free for the JVM, the event loops (epoll, eventfd, pipes) and stragglers. */
    public static final int FD_MARGIN = 64;

    /**
     * Fails fast when {@code connections} sockets would not fit into this process's open-file limit.
     *
     * @throws IllegalArgumentException with a message saying what to do
     */
    public static void checkFileLimit(long connections) {
        long max = ownMaxFiles();
        long open = ownOpenFiles();
        if (max <= 0 || open < 0) {
            return;
        }
        long need = connections + open + FD_MARGIN;
        if (need > max) {
            throw new IllegalArgumentException(String.format(
                    "%,d connections need about %,d open files (one per socket, plus %,d open now and a margin of %d), "
                            + "but this process may open at most %,d (ulimit -n). Use at most %,d connections per bench "
                            + "process, or run several bench processes.",
                    connections, need, open, FD_MARGIN, max, Math.max(0, max - open - FD_MARGIN)));
        }
    }
}
