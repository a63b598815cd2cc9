package io.mqttcluster.bench.load;

import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.measure.Receiver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who publishes where and who expects what: the shape of a scenario, independent of how it is run. Built by the
 * scenario commands, run by {@link LoadEngine}.
 */
public final class Plan {
    /** One publisher: its index (written into payloads), client id, broker, topic, and receivers per message. */
    public static final class Pub {
        public final int index;
        public final String clientId;
        public final Endpoint endpoint;
        public final String topic;
        public int deliveries;

        Pub(int index, String clientId, Endpoint endpoint, String topic) {
            this.index = index;
            this.clientId = clientId;
            this.endpoint = endpoint;
            this.topic = topic;
        }
    }

    /** One subscriber: client id, broker, filters, and the receiver it reports to. */
    public static final class Sub {
        public final String clientId;
        public final Endpoint endpoint;
        public final String[] filters;
        public final Receiver receiver;

        Sub(String clientId, Endpoint endpoint, String[] filters, Receiver receiver) {
            this.clientId = clientId;
            this.endpoint = endpoint;
            this.filters = filters;
            this.receiver = receiver;
        }
    }

    public final String scenario;
    public final List<Pub> pubs = new ArrayList<>();
    public final List<Sub> subs = new ArrayList<>();
    public final List<Receiver> receivers = new ArrayList<>();
    /** Scenario parameters worth reporting (publishers, subscribers, topic shapes...). */
    public final Map<String, Object> parameters = new LinkedHashMap<>();

    public Plan(String scenario) {
        this.scenario = scenario;
    }

    public Pub addPublisher(String clientId, Endpoint endpoint, String topic) {
        Pub p = new Pub(pubs.size(), clientId, endpoint, topic);
        pubs.add(p);
        return p;
    }

    public Receiver addReceiver(Receiver r) {
        receivers.add(r);
        return r;
    }

    public Sub addSubscriber(String clientId, Endpoint endpoint, String[] filters, Receiver receiver) {
        Sub s = new Sub(clientId, endpoint, filters, receiver);
        subs.add(s);
        return s;
    }

    /** Sets each publisher's deliveries per message from the receivers' expectations. Call after building. */
    public Plan finish() {
        for (Pub p : pubs) {
            int d = 0;
            for (Receiver r : receivers) {
                if (r.hasExpectations() && r.expects(p.index)) {
                    d++;
                }
            }
            p.deliveries = d;
        }
        return this;
    }

    /** The largest number of receivers of one message (window units per message at most). */
    public int maxDeliveries() {
        int m = 0;
        for (Pub p : pubs) {
            m = Math.max(m, p.deliveries);
        }
        return m;
    }
}
