package io.mqttcluster.gateway.hash;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Rendezvous (highest random weight) hashing of client ids onto nodes. Pure and stateless: safe
 * from any thread.
 *
 * <p>The algorithm: every node gets a score for a client id, and the node with the highest score
 * wins; the runner-up is the next choice, and so on. A node's score is
 * {@code XXH64(utf8(clientId), seed = XXH64(utf8(nodeKey), 0))}, compared as an unsigned 64-bit
 * number; equal scores (practically never) are ordered by node key. Because a score depends only
 * on the client id and that one node's key, removing a node moves only the ids it had won (they
 * fall to their runner-up), and adding a node moves only the ids it now wins, about 1/(N+1) of
 * them. Every replica with the same node keys computes the same order, whatever order it learned
 * the nodes in.
 *
 * <p>Example: suppose nodes {@code a:1883}, {@code b:1883}, {@code c:1883} score client
 * "sensor-7" so that c beats a beats b: the order is c, a, b. If c leaves, "sensor-7" goes to a,
 * and no client of a or b moves. If d joins and beats c, "sensor-7" moves to d; clients that
 * d does not win stay where they are.
 */
public final class RendezvousHash {

    private RendezvousHash() {
    }

    /** The seed that stands for a node key in the score. */
    public static long nodeSeed(String nodeKey) {
        return XxHash64.hash(nodeKey.getBytes(StandardCharsets.UTF_8), 0L);
    }

    /** The score of one node for one client id (its UTF-8 bytes); higher wins, unsigned. */
    public static long score(byte[] clientId, long nodeSeed) {
        return XxHash64.hash(clientId, nodeSeed);
    }

    /**
     * Orders {@code nodes} best first for {@code clientId} (UTF-8 bytes).
     *
     * @param keyOf the stable key of a node, e.g. {@code "host:port"}
     * @return a new list, best choice first
     */
    public static <T> List<T> rank(byte[] clientId, List<T> nodes, Function<T, String> keyOf) {
        List<Scored<T>> scored = new ArrayList<>(nodes.size());
        for (T node : nodes) {
            String key = keyOf.apply(node);
            scored.add(new Scored<>(node, key, score(clientId, nodeSeed(key))));
        }
        scored.sort(BEST_FIRST);
        List<T> out = new ArrayList<>(scored.size());
        for (Scored<T> s : scored) {
            out.add(s.node);
        }
        return out;
    }

    /** The best node for {@code clientId}, or null when {@code nodes} is empty. */
    public static <T> T best(byte[] clientId, List<T> nodes, Function<T, String> keyOf) {
        T best = null;
        String bestKey = null;
        long bestScore = 0;
        for (T node : nodes) {
            String key = keyOf.apply(node);
            long s = score(clientId, nodeSeed(key));
            if (best == null || better(s, key, bestScore, bestKey)) {
                best = node;
                bestKey = key;
                bestScore = s;
            }
        }
        return best;
    }

    private static boolean better(long score, String key, long otherScore, String otherKey) {
        int c = Long.compareUnsigned(score, otherScore);
        return c > 0 || (c == 0 && key.compareTo(otherKey) < 0);
    }

    private record Scored<T>(T node, String key, long score) {
    }

    private static final Comparator<Scored<?>> BEST_FIRST = (a, b) -> {
        int c = Long.compareUnsigned(b.score, a.score);
        return c != 0 ? c : a.key.compareTo(b.key);
    };
}
