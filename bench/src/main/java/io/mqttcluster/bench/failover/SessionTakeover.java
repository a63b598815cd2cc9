package io.mqttcluster.bench.failover;

import io.mqttcluster.bench.client.BlockingConnection;
import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.codec.PacketType;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures a session takeover across nodes: a client id with a persistent session is connected on node A; the same
 * id connects on node B. Reports the time from B's CONNECT to its CONNACK and until A's connection is closed, next
 * to a plain CONNECT of a fresh client id on B. The first {@link #WARMUP_ROUNDS} rounds warm the JIT and are not
 * counted. Blocking sockets, one round after the other.
 */
public final class SessionTakeover {
    static final int WARMUP_ROUNDS = 5;

    private final Endpoint a;
    private final Endpoint b;
    private final int rounds;
    private final PrintStream out;

    public SessionTakeover(Endpoint a, Endpoint b, int rounds, PrintStream out) {
        this.a = a;
        this.b = b;
        this.rounds = rounds;
        this.out = out;
    }

    public void run() throws IOException {
        List<Double> takeover = new ArrayList<>();
        List<Double> oldClosed = new ArrayList<>();
        List<Double> fresh = new ArrayList<>();
        for (int i = 0; i < rounds + WARMUP_ROUNDS; i++) {
            String id = "takeover-" + ProcessHandle.current().pid() + "-" + i;
            BlockingConnection first = connect(a, id, false);
            // the same id on the other node
            long t0 = System.nanoTime();
            BlockingConnection second = BlockingConnection.open(b.host(), b.port(), null);
            second.sendConnect(id, false);
            BlockingConnection.Packet connack = readConnack(second);
            long t1 = System.nanoTime();
            int r = first.awaitClosed(10_000); // -1 when the old connection is closed
            long t2 = System.nanoTime();
            if (connack.returnCode() != 0 || r != -1) {
                throw new IllegalStateException("unexpected: connack " + connack.returnCode() + ", old connection read " + r);
            }
            // a fresh client id on the same node, for comparison
            long t3 = System.nanoTime();
            BlockingConnection other = connect(b, id + "-fresh", true);
            long t4 = System.nanoTime();
            if (i >= WARMUP_ROUNDS) {
                takeover.add((t1 - t0) / 1e6);
                oldClosed.add((t2 - t0) / 1e6);
                fresh.add((t4 - t3) / 1e6);
            }
            second.disconnect();
            other.disconnect();
            first.close();
            // end the persistent session so the next round starts clean
            connect(a, id, true).disconnect();
        }
        out.printf(Locale.ROOT, "takeover across nodes, %d rounds: CONNACK (session present) p50 %.2f ms p99 %.2f ms; "
                        + "old connection closed p50 %.2f ms p99 %.2f ms; a fresh CONNECT on the same node p50 %.2f ms%n",
                rounds, Percentiles.nearestRank(takeover, 50), Percentiles.nearestRank(takeover, 99),
                Percentiles.nearestRank(oldClosed, 50), Percentiles.nearestRank(oldClosed, 99), Percentiles.nearestRank(fresh, 50));
    }

    private static BlockingConnection connect(Endpoint e, String id, boolean clean) throws IOException {
        BlockingConnection c = BlockingConnection.open(e.host(), e.port(), null);
        c.sendConnect(id, clean);
        BlockingConnection.Packet ack = readConnack(c);
        if (ack.returnCode() != 0) {
            throw new IllegalStateException("CONNACK " + ack.returnCode());
        }
        return c;
    }

    private static BlockingConnection.Packet readConnack(BlockingConnection c) throws IOException {
        c.soTimeout(10_000);
        BlockingConnection.Packet p = c.read();
        if (p.type() != PacketType.CONNACK) {
            throw new IllegalStateException("not a CONNACK: " + (p.type() << 4));
        }
        return p;
    }
}
