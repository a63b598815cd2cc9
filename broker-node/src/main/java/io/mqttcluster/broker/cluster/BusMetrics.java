package io.mqttcluster.broker.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.mqttcluster.cluster.forward.ClusterBus;

import java.util.function.ToDoubleFunction;

/** The counters of this node's {@link ClusterBus}, exported as {@code mqtt_cluster_bus_*}. */
public final class BusMetrics {

    private BusMetrics() {
    }

    public static void register(MeterRegistry registry, ClusterBus bus) {
        counter(registry, "mqtt.cluster.bus.auth.failures", "Node-to-node connections refused in the handshake, either side: "
                + "a peer without the cluster secret (or with another), a forged or replayed MAC, a frame before HELLO, "
                + "no HELLO in time, or a peer that wants a secret this node lacks", bus, ClusterBus::authFailures);
        counter(registry, "mqtt.cluster.bus.refused.sends", "Forwards and requests refused because the peer's "
                + "unacknowledged bytes were at their cap (QoS 0 dropped, QoS 1/2 not acknowledged to the publisher)", bus, ClusterBus::refusedSends);
        counter(registry, "mqtt.cluster.bus.oversize.sends", "Forwards and requests refused because their frame was above the bus frame limit",
                bus, ClusterBus::oversizeSends);
        counter(registry, "mqtt.cluster.bus.resent", "Forwards written again after a node-to-node connection dropped", bus, ClusterBus::resentFrames);
        counter(registry, "mqtt.cluster.bus.duplicates", "Forwards received twice and dropped the second time", bus, ClusterBus::duplicatesDropped);
        Gauge.builder("mqtt.cluster.bus.unacked", bus, ClusterBus::unackedBytes).baseUnit("bytes")
                .description("Bytes queued or sent to other nodes and not acknowledged yet").register(registry);
    }

    private static void counter(MeterRegistry registry, String name, String description, ClusterBus bus, ToDoubleFunction<ClusterBus> f) {
        FunctionCounter.builder(name, bus, f).description(description).register(registry);
    }
}
