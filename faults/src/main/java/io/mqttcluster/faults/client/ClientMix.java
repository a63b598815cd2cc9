package io.mqttcluster.faults.client;

import io.mqttcluster.faults.history.History;

import java.util.ArrayList;
import java.util.List;

/**
 * The clients of a run: six publishers (QoS 1 and 2, persistent and clean), five subscribers (persistent and
 * clean; {@code h/#}, {@code h/+/t} and exact filters; QoS 1 and 2) and a shared group {@code $share/g1/h/#}
 * of two persistent members and a clean one, spread over the endpoints.
 */
public final class ClientMix {

    public final List<Publisher> publishers = new ArrayList<>();
    public final List<Subscriber> subscribers = new ArrayList<>();

    private ClientMix() {
    }

    public static ClientMix standard(List<Endpoint> endpoints, double totalRate, History history, ClientSettings settings) {
        ClientMix mix = new ClientMix();
        Object[][] pubs = {
                // id, clean, qos, home
                {"p1", false, 2, 0}, {"p2", false, 1, 1}, {"p3", true, 2, 2},
                {"p4", true, 1, 0}, {"p5", false, 2, 1}, {"p6", false, 2, 2},
        };
        double each = totalRate / pubs.length;
        for (Object[] p : pubs) {
            mix.publishers.add(new Publisher((String) p[0], (Boolean) p[1], (Integer) p[2], each, endpoints,
                    (Integer) p[3], history, settings));
        }
        mix.sub("s1", false, List.of(new Subscriber.Subscription("h/#", 2)), null, 0, endpoints, history, settings);
        mix.sub("s2", false, List.of(new Subscriber.Subscription("h/+/t", 1)), null, 1, endpoints, history, settings);
        mix.sub("s3", false, List.of(new Subscriber.Subscription("h/p1/t", 2), new Subscriber.Subscription("h/p3/t", 2),
                new Subscriber.Subscription("h/p2/t", 1)), null, 2, endpoints, history, settings);
        mix.sub("s4", true, List.of(new Subscriber.Subscription("h/#", 2)), null, 1, endpoints, history, settings);
        mix.sub("s5", true, List.of(new Subscriber.Subscription("h/p5/t", 2), new Subscriber.Subscription("h/p4/t", 1)),
                null, 0, endpoints, history, settings);
        List<Subscriber.Subscription> shared = List.of(new Subscriber.Subscription("$share/g1/h/#", 2));
        mix.sub("g1a", false, shared, "g1", 0, endpoints, history, settings);
        mix.sub("g1b", true, shared, "g1", 1, endpoints, history, settings);
        mix.sub("g1c", false, shared, "g1", 2, endpoints, history, settings);
        return mix;
    }

    private void sub(String id, boolean clean, List<Subscriber.Subscription> subs, String group, int home,
                     List<Endpoint> endpoints, History history, ClientSettings settings) {
        subscribers.add(new Subscriber(id, clean, subs, group, endpoints, home, history, settings));
    }

    /** Every client, publishers first (the nemesis picks takeover and reconnect targets from this list). */
    public List<MqttTestClient> all() {
        List<MqttTestClient> all = new ArrayList<>(publishers);
        all.addAll(subscribers);
        return all;
    }
}
