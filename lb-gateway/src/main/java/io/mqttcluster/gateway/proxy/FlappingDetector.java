package io.mqttcluster.gateway.proxy;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Client ids that connect again and again ("flapping": two devices with one id taking each other over, a client
 * that reconnects in a tight loop after every refusal) are banned for a while: more than {@code maxConnects}
 * CONNECTs with one client id within {@code window} ban that id for {@code ban}; while banned its CONNECTs are
 * refused at the gateway and never reach a node. The window starts at the first CONNECT counted and ends
 * {@code window} later, when counting starts again; a ban that expires starts a fresh count. CONNECTs refused
 * during a ban do not prolong it. Counts are per gateway replica (an L4 balancer spreads a client's connections
 * over replicas, so each sees a part of them).
 *
 * <p>Memory: one small entry per client id seen within the window, at most {@code maxClientIds}; past that, new
 * ids are not tracked (let through) until {@link #sweep} drops the entries whose window or ban is over. The empty
 * client id is never tracked (each such client gets an id from the node: they are different clients).
 *
 * <p>Threads: {@link #connect} from any event loop (one atomic map update per CONNECT), {@link #sweep} from the
 * control event loop.
 */
public final class FlappingDetector {

    /** What one CONNECT gets. */
    public enum Verdict {
        /** Let through (counted). */
        ALLOWED,
        /** This CONNECT went over the limit and started a ban: refuse it, log the ban. */
        BAN_STARTED,
        /** The id is banned: refuse. */
        BANNED
    }

    private static final class Entry {
        long windowStart;
        int count;
        /** When the ban ends; meaningful while {@code banned}. */
        long banEnd;
        boolean banned;
    }

    private final int maxConnects;
    private final long windowNanos;
    private final long banNanos;
    private final int maxClientIds;
    private final LongSupplier clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger bannedNow = new AtomicInteger();

    /**
     * @param maxConnects CONNECTs with one id let through per window; 0 turns detection off
     */
    public FlappingDetector(int maxConnects, Duration window, Duration ban, int maxClientIds, LongSupplier nanoClock) {
        this.maxConnects = maxConnects;
        this.windowNanos = window.toNanos();
        this.banNanos = ban.toNanos();
        this.maxClientIds = maxClientIds;
        this.clock = nanoClock;
    }

    /** Counts one CONNECT with {@code clientId} and says whether it may go on. */
    public Verdict connect(String clientId) {
        if (maxConnects <= 0 || clientId.isEmpty()) {
            return Verdict.ALLOWED;
        }
        if (entries.size() >= maxClientIds && !entries.containsKey(clientId)) {
            return Verdict.ALLOWED; // full: new ids untracked until the next sweep frees entries
        }
        long now = clock.getAsLong();
        Verdict[] verdict = {Verdict.ALLOWED};
        entries.compute(clientId, (id, e) -> {
            if (e == null) {
                e = new Entry();
                e.windowStart = now;
            }
            if (e.banned) {
                if (now - e.banEnd < 0) {
                    verdict[0] = Verdict.BANNED;
                    return e;
                }
                e.banned = false; // the ban is over: count afresh
                bannedNow.decrementAndGet();
                e.windowStart = now;
                e.count = 0;
            } else if (now - e.windowStart >= windowNanos) {
                e.windowStart = now;
                e.count = 0;
            }
            e.count++;
            if (e.count > maxConnects) {
                e.banned = true;
                e.banEnd = now + banNanos;
                bannedNow.incrementAndGet();
                verdict[0] = Verdict.BAN_STARTED;
            }
            return e;
        });
        return verdict[0];
    }

    /** Drops the entries whose window, or ban, is over. */
    public void sweep() {
        long now = clock.getAsLong();
        // computeIfPresent, not an iterator's remove: the decision and the removal are one atomic step per key
        for (String id : entries.keySet()) {
            entries.computeIfPresent(id, (k, e) -> {
                if (e.banned) {
                    if (now - e.banEnd < 0) {
                        return e;
                    }
                    bannedNow.decrementAndGet();
                    return null;
                }
                return now - e.windowStart >= windowNanos ? null : e;
            });
        }
    }

    /** Client ids banned now (bans that ended are counted out when the id connects again or at the next sweep). */
    public int banned() {
        return bannedNow.get();
    }

    /** Client ids tracked now. */
    public int tracked() {
        return entries.size();
    }

    /** The limit, for the log line of a ban. */
    public int maxConnects() {
        return maxConnects;
    }

    public Duration window() {
        return Duration.ofNanos(windowNanos);
    }

    public Duration ban() {
        return Duration.ofNanos(banNanos);
    }
}
