package io.mqttcluster.bench.measure;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;

/**
 * How busy the tool itself was between {@link #start} and {@link #stop}: the whole process's CPU time, and the
 * busiest event-loop thread's. A loop near 100% means the tool may have limited the rate it measured.
 */
public final class CpuMeter {
    private final List<Long> loopThreadIds = new ArrayList<>();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long wallStart;
    private long processStart;
    private long[] loopStart;
    private double processPercent = Double.NaN;
    private double busiestLoopPercent = Double.NaN;

    public synchronized void addLoopThread(long threadId) {
        loopThreadIds.add(threadId);
    }

    public synchronized void start() {
        wallStart = System.nanoTime();
        processStart = processCpu();
        loopStart = new long[loopThreadIds.size()];
        for (int i = 0; i < loopStart.length; i++) {
            loopStart[i] = threadCpu(loopThreadIds.get(i));
        }
    }

    public synchronized void stop() {
        if (loopStart == null) {
            return;
        }
        double wall = System.nanoTime() - wallStart;
        if (wall <= 0) {
            return;
        }
        long p = processCpu();
        processPercent = p >= 0 && processStart >= 0 ? (p - processStart) * 100.0 / wall : Double.NaN;
        double max = Double.NaN;
        for (int i = 0; i < loopStart.length; i++) {
            long t = threadCpu(loopThreadIds.get(i));
            if (t >= 0 && loopStart[i] >= 0) {
                double pct = (t - loopStart[i]) * 100.0 / wall;
                max = Double.isNaN(max) ? pct : Math.max(max, pct);
            }
        }
        busiestLoopPercent = max;
    }

    /** Process CPU time over wall time, in percent of one core (NaN when unknown). */
    public synchronized double processPercent() {
        return processPercent;
    }

    /** The busiest event loop's CPU time over wall time, in percent (NaN when unknown). */
    public synchronized double busiestLoopPercent() {
        return busiestLoopPercent;
    }

    private long threadCpu(long id) {
        try {
            return threads.isThreadCpuTimeSupported() ? threads.getThreadCpuTime(id) : -1;
        } catch (UnsupportedOperationException e) {
            return -1;
        }
    }

    private static long processCpu() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return -1;
    }
}
