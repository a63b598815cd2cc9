package io.mqttcluster.faults.nemesis;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The seeded plan of a run's faults: a sequence of (kind, targets, duration, gap before) drawn from
 * {@link Random} with the run's seed, so the same seed gives the same plan on any machine. One fault at a time:
 * the runner starts each one after the previous one ended, its gap passed and the cluster settled, so no two
 * faults compound (two nodes down at once would be beyond what three nodes with one backup promise).
 */
public final class FaultSchedule {

    private FaultSchedule() {
    }

    public static List<Fault> plan(long seed, Set<FaultKind> kinds, int nodes, int clients, int count) {
        if (kinds.isEmpty()) {
            return List.of();
        }
        List<FaultKind> pool = new ArrayList<>(EnumSet.copyOf(kinds)); // enum order: independent of the set's order
        Random r = new Random(seed);
        List<Fault> plan = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            FaultKind kind = pool.get(r.nextInt(pool.size()));
            int node = r.nextInt(nodes);
            int other = nodes > 1 ? (node + 1 + r.nextInt(nodes - 1)) % nodes : node;
            int client = r.nextInt(Math.max(1, clients));
            long duration = switch (kind) {
                case KILL -> between(r, 3_000, 15_000);      // until the restart
                case STOP -> between(r, 1_000, 12_000);
                case PARTITION, PARTITION_PARTIAL -> between(r, 5_000, 20_000);
                case BUS_RESET, TAKEOVER, RECONNECT -> 0;
            };
            long gap = between(r, 2_000, 8_000);
            plan.add(new Fault(i, kind, node, other, client, duration, gap));
        }
        return plan;
    }

    private static long between(Random r, long lo, long hi) {
        return lo + (long) (r.nextDouble() * (hi - lo));
    }
}
