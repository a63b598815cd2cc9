package io.mqttcluster.broker.session;

import io.mqttcluster.broker.pubsub.Subscriptions;
import io.mqttcluster.cluster.ClusterView;
import io.vertx.core.internal.ContextInternal;
import io.mqttcluster.cluster.route.DurableSubscriptions.DurableSub;
import io.mqttcluster.cluster.session.ReleaseResult;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Repairs what a fault can leave behind in the cluster tables, where no single write could be made atomic.
 *
 * <p><b>Sessions, shared-group memberships and routes this node holds without a connection.</b> A node that lost its quorum closes its
 * connections, but cannot record their end (the store refuses writes on the minority side); after the
 * split heals those sessions would look connected forever (their queues filling, never expiring). This
 * node releases every session the cluster says it holds that has no connection here, as an abnormal end
 * (wills are published, shared-group copies go to other members).
 *
 * <p><b>Cluster-wide subscription entries no session has.</b> After a merge, the minority's entries come
 * back (the majority's removals are not remembered), and a removal can fail when a node dies under it. An
 * entry whose session is gone, is another incarnation, or no longer has that filter is removed, but only
 * when two passes in a row found it so: a SUBSCRIBE writes the entry and the session record in parallel,
 * and a single pass could catch them in between. Run by the oldest member only.
 */
public final class SessionReconciler {

    private static final Logger log = LoggerFactory.getLogger(SessionReconciler.class);
    private static final int BATCH = 500;

    private final ClusterView cluster;
    private final SessionManager<?> sessions;
    private final Subscriptions subscriptions;
    private final ContextInternal systemContext;
    /** Entries found stale by the previous pass: key of the entry, and its session uid. */
    private Map<String, Long> suspects = new HashMap<>();

    public SessionReconciler(ClusterView cluster, SessionManager<?> sessions, Subscriptions subscriptions, ContextInternal systemContext) {
        this.cluster = cluster;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.systemContext = systemContext;
    }

    /** Releases sessions owned by this node that have no connection here. Blocking: call on a worker. */
    public int releaseOrphans() {
        String self = cluster.nodeId();
        Map<String, Long> owned = cluster.sessions().ownedBy(self);
        int released = 0;
        for (Map.Entry<String, Long> e : owned.entrySet()) {
            if (sessions.channel(e.getKey()) != null) {
                continue; // connected or connecting here
            }
            ReleaseResult r = cluster.sessions().release(e.getKey(), self, e.getValue(), true,
                    io.mqttcluster.cluster.session.SharedHandover.UNKNOWN,
                    System.currentTimeMillis()).toCompletableFuture().join();
            if (r.released()) {
                released++;
                sessions.afterRelease(r, systemContext);
            }
        }
        // what the tables say is here and is not: shared-group memberships and routes (after a merge the
        // minority's entries come back, though this node closed those connections when it lost its quorum)
        int stale = 0;
        for (Map.Entry<String, String> m : cluster.sharedGroups().membersOn(self)) {
            if (sessions.channel(m.getValue()) == null) {
                cluster.sharedGroups().leaveIfOn(m.getKey(), m.getValue(), self);
                stale++;
                if (sessions.channel(m.getValue()) != null) {
                    subscriptions.rejoinShared(m.getKey(), m.getValue()); // it connected meanwhile
                }
            }
        }
        for (String filter : cluster.routes().filtersOf(self)) {
            if (subscriptions.removeRouteIfUnused(filter)) {
                stale++;
            }
        }
        if (released > 0 || stale > 0) {
            log.info("event=orphans_released node={} sessions={} table_entries={}", cluster.nodeName(), released, stale);
        }
        return released;
    }

    /** One pass over the cluster-wide subscription entries (see the class comment). Blocking: call on a worker. */
    public synchronized int reconcileDurable() {
        Map<String, List<DurableSub>> byClient = new HashMap<>();
        cluster.durableSubscriptions().forEach(sub ->
                byClient.computeIfAbsent(sub.clientId(), k -> new ArrayList<>(2)).add(sub));
        Map<String, Long> stale = new HashMap<>();
        List<String> ids = new ArrayList<>(byClient.keySet());
        for (int from = 0; from < ids.size(); from += BATCH) {
            Set<String> batch = new HashSet<>(ids.subList(from, Math.min(ids.size(), from + BATCH)));
            Map<String, List<String>> records = cluster.sessions().subscriptionsOf(batch);
            for (String id : batch) {
                List<String> rec = records.get(id);
                for (DurableSub sub : byClient.get(id)) {
                    boolean owned = rec != null && Long.toString(sub.sessionUid()).equals(rec.get(0))
                            && rec.subList(1, rec.size()).contains(sub.filter());
                    if (!owned) {
                        stale.put(io.mqttcluster.cluster.route.DurableSubscriptions.key(id, sub.filter()), sub.sessionUid());
                    }
                }
            }
        }
        List<Future<Void>> removals = new ArrayList<>();
        int removed = 0;
        for (Map.Entry<String, Long> e : stale.entrySet()) {
            if (e.getValue().equals(suspects.get(e.getKey()))) {
                int sep = e.getKey().indexOf('\0');
                removals.add(subscriptions.removeDurable(e.getKey().substring(0, sep), e.getKey().substring(sep + 1),
                        e.getValue(), systemContext));
                removed++;
            }
        }
        suspects = stale;
        Future.join(removals).toCompletionStage().toCompletableFuture().join();
        if (removed > 0) {
            log.info("event=stale_subscriptions_removed node={} entries={}", cluster.nodeName(), removed);
        }
        return removed;
    }
}
