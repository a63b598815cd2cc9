package io.mqttcluster.gateway.backend;

import io.mqttcluster.gateway.config.NodeAddress;
import io.vertx.core.Future;
import java.util.List;

/** Says which nodes exist. Called on the control event loop; must not block it. */
public interface NodeDiscovery {

    /** The nodes now; a failure keeps the nodes known before. */
    Future<List<NodeAddress>> discover();

    /** True when {@link #discover()} should be called again periodically. */
    boolean periodic();
}
