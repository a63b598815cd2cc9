package io.mqttcluster.broker;

import io.mqttcluster.broker.protocol.ClientProtocol;
import io.mqttcluster.broker.connection.TlsContext;
import io.mqttcluster.cluster.ClusterNode;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps the password file, the ACL file and the TLS certificate current without a restart: checks them every
 * {@code security.reload-interval} and at once on SIGHUP, on a worker thread. New rules apply to new
 * CONNECTs, PUBLISHes and SUBSCRIBEs at once; subscriptions they no longer allow are removed from the
 * connected clients. A new certificate is used by new connections.
 */
public final class SecurityReloader {

    private static final Logger log = LoggerFactory.getLogger(SecurityReloader.class);
    /** Every node in this process (tests run several): one SIGHUP reloads them all. */
    private static final List<SecurityReloader> ALL = new CopyOnWriteArrayList<>();
    private static final AtomicBoolean SIGNAL_INSTALLED = new AtomicBoolean();
    /** SIGHUP was ignored when the process started (nohup, some supervisors): the JVM cannot take it back. */
    private static final AtomicBoolean SIGHUP_IGNORED = new AtomicBoolean();

    private final Vertx vertx;
    private final Broker broker;
    private final ClusterNode cluster;
    private final TlsContext tls;
    private final AtomicBoolean running = new AtomicBoolean();
    /** Distinct rule sets among the live nodes (1: every node applies the same rules), from the last check. */
    private final java.util.concurrent.atomic.AtomicInteger variants = new java.util.concurrent.atomic.AtomicInteger(1);
    static final String MAP_NAME = "mqtt.security";

    private SecurityReloader(Vertx vertx, Broker broker, ClusterNode cluster, TlsContext tls) {
        this.cluster = cluster;
        this.vertx = vertx;
        this.broker = broker;
        this.tls = tls;
    }

    public static SecurityReloader start(Vertx vertx, Broker broker, ClusterNode cluster, TlsContext tls, long intervalMillis) {
        SecurityReloader r = new SecurityReloader(vertx, broker, cluster, tls);
        broker.security().onReload(rules -> {
            for (ClientProtocol ch : broker.sessions().channels()) {
                ch.recheckAcl();
            }
        });
        broker.metrics().gauge("mqtt.security.reload.failures", "Reloads of the password, ACL or TLS files that failed (the previous ones stay in force)",
                () -> broker.security().reloadFailures());
        broker.metrics().gauge("mqtt.security.rules.version", "Version of the password and ACL rules in force (1 at start, +1 per reload that changed them)",
                () -> broker.security().rules().version());
        broker.metrics().gauge("mqtt.security.rules.variants", "Distinct password/ACL rule sets among the live nodes (1: all nodes apply the same rules)",
                r.variants::get);
        if (intervalMillis > 0) {
            vertx.setPeriodic(intervalMillis, id -> r.check(false));
        }
        vertx.setPeriodic(15_000, id -> r.compareWithCluster());
        r.compareWithCluster();
        ALL.add(r);
        ((io.vertx.core.internal.VertxInternal) vertx).addCloseHook(p -> {
            ALL.remove(r);
            p.succeed();
        });
        installSignal();
        if (SIGHUP_IGNORED.get() && intervalMillis == 0) {
            log.warn("event=security_reload_off reason=\"SIGHUP is ignored and security.reload-interval is 0\" "
                    + "action=\"file changes apply only after a restart\"");
        }
        return r;
    }

    /** Checks the files now (on a worker thread); {@code force} re-reads them even when unchanged. */
    public void check(boolean force) {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        vertx.executeBlocking(() -> {
            broker.security().reload(force);
            if (tls != null) {
                tls.reloadIfChanged();
            }
            return null;
        }, false).onComplete(ar -> {
            running.set(false);
            compareWithCluster();
            if (ar.failed()) {
                log.warn("event=security_check_failed error=\"{}\"", ar.cause().toString());
            }
        });
    }

    public int variants() {
        return variants.get();
    }

    /**
     * Publishes this node's rules digest to the cluster and counts the distinct digests of the live nodes, so
     * that a node left with old files (a ConfigMap not yet synced, a missed deploy) shows up in metrics.
     */
    private void compareWithCluster() {
        vertx.executeBlocking(() -> {
            com.hazelcast.map.IMap<String, String> map = cluster.hazelcast().getMap(MAP_NAME);
            map.set(broker.nodeId(), broker.security().rules().digest());
            java.util.Set<String> live = cluster.liveNodeIds();
            java.util.Set<String> digests = new java.util.HashSet<>();
            for (java.util.Map.Entry<String, String> e : map.entrySet()) {
                if (live.contains(e.getKey())) {
                    digests.add(e.getValue());
                } else {
                    map.delete(e.getKey());
                }
            }
            return Math.max(1, digests.size());
        }, false).onSuccess(variants::set)
                .onFailure(e -> log.debug("event=security_compare_failed error=\"{}\"", e.toString()));
    }

    private static void installSignal() {
        if (!SIGNAL_INSTALLED.compareAndSet(false, true)) {
            return;
        }
        try {
            SignalHandler previous = Signal.handle(new Signal("HUP"), sig -> {
                log.info("event=sighup action=reload_security_files");
                for (SecurityReloader r : ALL) {
                    r.check(true);
                }
            });
            if (previous == SignalHandler.SIG_IGN) {
                // A signal ignored at exec stays ignored: the JVM refuses to handle it and says so only with
                // this return value. Without this line a `kill -HUP` would silently do nothing.
                SIGHUP_IGNORED.set(true);
                log.warn("event=sighup_unavailable reason=ignored_by_parent_process "
                        + "hint=\"started under nohup or with SIGHUP ignored; files are still checked every security.reload-interval\"");
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.debug("event=sighup_unavailable error=\"{}\"", e.toString());
        }
    }
}
