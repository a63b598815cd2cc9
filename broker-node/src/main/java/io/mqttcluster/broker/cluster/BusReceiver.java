package io.mqttcluster.broker.cluster;

import io.mqttcluster.broker.Broker;
import io.mqttcluster.cluster.forward.BufferDataInput;
import io.mqttcluster.cluster.forward.ClusterBus;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * What this node does with what other nodes send it: forwarded publishes, takeover requests, and
 * subscription-table changes. The bus starts before the broker (its port is advertised when the node
 * joins), so the broker is attached once it exists.
 */
public final class BusReceiver implements ClusterBus.Receiver {

    private static final Logger log = LoggerFactory.getLogger(BusReceiver.class);

    private volatile Broker broker;

    public void attach(Broker broker) {
        this.broker = broker;
    }

    @Override
    public void onMessage(String fromNode, int kind, BufferDataInput payload) {
        Broker b = broker;
        if (b == null) {
            return;
        }
        if (kind == ForwardCodec.FORWARD) {
            try {
                b.metrics().forwardedIn(1);
                b.dispatcher().onForward(ForwardCodec.decodeForward(payload));
            } catch (IOException | RuntimeException e) {
                log.warn("event=forward_decode_failed from_node={} error={}", fromNode, e.toString());
            }
        }
    }

    @Override
    public Future<Buffer> onRequest(String fromNode, int kind, BufferDataInput payload) {
        Broker b = broker;
        if (b == null) {
            return Future.failedFuture("starting");
        }
        try {
            switch (kind) {
                case ForwardCodec.KICK -> {
                    String clientId = io.mqttcluster.cluster.message.Message.readString(payload);
                    long epoch = payload.readLong();
                    return b.sessions().kickFromRemote(clientId, epoch).map(v -> Buffer.buffer());
                }
                case ForwardCodec.SYNC -> {
                    b.router().applySync(ForwardCodec.decodeSync(payload));
                    return Future.succeededFuture(Buffer.buffer());
                }
                default -> {
                    return Future.failedFuture("unknown request kind " + kind);
                }
            }
        } catch (IOException e) {
            return Future.failedFuture(e);
        }
    }
}
