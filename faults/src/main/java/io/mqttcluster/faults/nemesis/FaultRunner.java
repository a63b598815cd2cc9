package io.mqttcluster.faults.nemesis;

import io.mqttcluster.faults.cluster.Target;
import io.mqttcluster.faults.history.Event;
import io.mqttcluster.faults.history.History;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Carries out a fault plan against the target until a deadline, one fault at a time: wait the fault's gap, wait
 * until the cluster is steady (all members, backups in sync; at most 120 s, else the run records
 * {@code cluster_unsettled} and injects no more), begin it, hold it for its duration, end it. Every begin and end
 * goes to the history with wall-clock-comparable run times. Runs on the caller's thread.
 */
public final class FaultRunner {

    /** How long a node restart may take on top of a kill's duration, when deciding whether a fault still fits. */
    private static final long RESTART_ALLOWANCE_MS = 30_000;
    private static final long STEADY_WAIT_MS = 120_000;

    private final List<Fault> plan;
    private final Map<FaultKind, Nemesis> nemeses;
    private final Target target;
    private final History history;
    private volatile Fault active;
    private int injected;

    public FaultRunner(List<Fault> plan, Map<FaultKind, Nemesis> nemeses, Target target, History history) {
        this.plan = plan;
        this.nemeses = nemeses;
        this.target = target;
        this.history = history;
    }

    /** Injects faults until {@code deadlineNanos} (System.nanoTime); returns how many were injected. */
    public int run(long deadlineNanos) throws InterruptedException {
        for (Fault f : plan) {
            Nemesis n = nemeses.get(f.kind());
            if (n == null) {
                continue;
            }
            if (!sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(f.gapMs()), deadlineNanos)) {
                break;
            }
            if (!awaitSteady(deadlineNanos)) {
                break;
            }
            long needed = f.durationMs() + (f.kind() == FaultKind.KILL ? RESTART_ALLOWANCE_MS : 0);
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(needed) > deadlineNanos) {
                break;
            }
            inject(f, n);
        }
        return injected;
    }

    private void inject(Fault f, Nemesis n) throws InterruptedException {
        long t = history.now();
        String detail;
        try {
            detail = n.begin(f);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            history.note("nemesis_failed", f.kind().id, "fault=" + f.id() + ",begin," + e);
            return;
        }
        active = f;
        injected++;
        history.add(new Event.FaultBegin(t, f.id(), f.kind().id, n.target(f), detail));
        if (f.durationMs() > 0) {
            Thread.sleep(f.durationMs()); // the fault's planned duration: the schedule waits for wall-clock time
        }
        end(f, n);
    }

    private void end(Fault f, Nemesis n) {
        long t = history.now();
        String detail;
        try {
            detail = n.end(f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            detail = "interrupted";
        } catch (Exception e) {
            detail = "end_failed=" + e.toString().replace(' ', '_');
            history.note("nemesis_failed", f.kind().id, "fault=" + f.id() + ",end," + e);
        }
        history.add(new Event.FaultEnd(t, f.id(), f.kind().id, n.target(f), detail));
        active = null;
    }

    /** Ends the fault in progress, if any (end of the run, or an interrupt); safe to call more than once. */
    public void healActive() {
        Fault f = active;
        if (f != null) {
            end(f, nemeses.get(f.kind()));
        }
    }

    private boolean awaitSteady(long deadlineNanos) throws InterruptedException {
        long until = Math.min(deadlineNanos, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STEADY_WAIT_MS));
        long began = history.now();
        while (System.nanoTime() < until) {
            if (target.steady()) {
                return true;
            }
            Thread.sleep(500); // polling the nodes' state; bounded by the deadline
        }
        if (System.nanoTime() < deadlineNanos) {
            history.note("cluster_unsettled", "cluster", "waited_ms=" + (history.now() - began) / 1000);
        }
        return false;
    }

    /** Sleeps until {@code wakeNanos}; false (after sleeping until the deadline) when that is past the deadline. */
    private static boolean sleepUntil(long wakeNanos, long deadlineNanos) throws InterruptedException {
        long until = Math.min(wakeNanos, deadlineNanos);
        long ms = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
        if (ms > 0) {
            Thread.sleep(ms); // the gap the plan asks for
        }
        return wakeNanos < deadlineNanos;
    }
}
