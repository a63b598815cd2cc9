package io.mqttcluster.cluster;

import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.retain.RetainedStore;
import io.mqttcluster.cluster.route.DurableSubscriptions;
import io.mqttcluster.cluster.route.RouteTable;
import io.mqttcluster.cluster.route.SharedGroups;
import io.mqttcluster.cluster.table.SharedMap;

/**
 * The four cluster maps every node mirrors locally (see {@link io.mqttcluster.cluster.table.MirroredTable}), started,
 * stopped and rebuilt together.
 */
public record ClusterTables(RetainedStore retained, DurableSubscriptions durableSubscriptions, RouteTable routes,
                            SharedGroups sharedGroups) {

    /** Where the tables keep their entries: a Hazelcast map or an in-memory twin, by map name. */
    public interface Maps {
        <V> SharedMap<V> map(String name);
    }

    public static ClusterTables on(Maps maps) {
        return new ClusterTables(new RetainedStore(maps.<Message>map(RetainedStore.MAP_NAME)),
                new DurableSubscriptions(maps.<long[]>map(DurableSubscriptions.MAP_NAME)),
                new RouteTable(maps.<Boolean>map(RouteTable.MAP_NAME)),
                new SharedGroups(maps.<String>map(SharedGroups.MAP_NAME)));
    }

    /** Starts mirroring every table. Blocking (each reads its whole map once). */
    public void start() {
        retained.start();
        durableSubscriptions.start();
        routes.start();
        sharedGroups.start();
    }

    public void stop() {
        retained.stop();
        durableSubscriptions.stop();
        routes.stop();
        sharedGroups.stop();
    }

    /** Rebuilds every mirror from its map, each swapped in when read. Blocking. */
    public void rebuild() {
        retained.rebuild();
        durableSubscriptions.rebuild();
        routes.rebuild();
        sharedGroups.rebuild();
    }
}
