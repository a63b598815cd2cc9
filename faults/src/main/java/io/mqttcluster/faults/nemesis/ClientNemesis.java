package io.mqttcluster.faults.nemesis;

import io.mqttcluster.faults.client.MqttTestClient;

import java.util.List;

/**
 * takeover: a client's id connects on another node (the fault's other node) while its connection is still open;
 * the client then goes on with the new connection and records when (if) the broker closes the old one.
 * reconnect: a client's connection is reset at once; it reconnects and, if persistent, resends.
 */
public final class ClientNemesis implements Nemesis {

    private final List<MqttTestClient> clients;
    private final boolean takeover;

    public ClientNemesis(List<MqttTestClient> clients, boolean takeover) {
        this.clients = clients;
        this.takeover = takeover;
    }

    @Override
    public String begin(Fault f) {
        MqttTestClient c = clients.get(f.client() % clients.size());
        if (takeover) {
            int to = f.otherNode() % c.endpoints().size();
            c.takeover(to);
            return "to=" + c.endpoints().get(to).name() + ",clean=" + c.isClean();
        }
        c.drop();
        return "clean=" + c.isClean();
    }

    @Override
    public String end(Fault f) {
        return "";
    }

    @Override
    public String target(Fault f) {
        return clients.get(f.client() % clients.size()).id();
    }
}
