package io.mqttcluster.gateway.it;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.config.GatewayOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts in-process gateways on ephemeral ports with test-friendly timings, and stops them all. */
final class Gateways implements AutoCloseable {
    private final List<Gateway> started = new ArrayList<>();

    /** Options with ports 0, quick health checks and two event loops. */
    static GatewayOptions options(List<String> nodes) {
        return new GatewayOptions()
                .setPort(0)
                .setHttpPort(0)
                .setBindAddress("127.0.0.1")
                .setHttpBindAddress("127.0.0.1")
                .setEventLoops(2)
                .setNodes(nodes)
                .setHealthInterval(Duration.ofMillis(200))
                .setHealthTimeout(Duration.ofMillis(500))
                .setHealthFall(2)
                .setHealthRise(1)
                .setHealthCloseAfter(Duration.ofMillis(500))
                .setNodeConnectTimeout(Duration.ofSeconds(2))
                .setRatePerSource(0);
    }

    Gateway start(GatewayOptions options) throws Exception {
        Gateway g = new Gateway(options);
        g.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        started.add(g);
        return g;
    }

    @Override
    public void close() {
        for (Gateway g : started) {
            g.stop().toCompletionStage().toCompletableFuture().orTimeout(15, TimeUnit.SECONDS).join();
        }
        started.clear();
    }
}
