package io.mqttcluster.bench.scenario;

import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.load.Plan;
import io.mqttcluster.bench.load.Settings;
import io.mqttcluster.bench.measure.Receiver;

import java.util.List;

/**
 * The shapes of the load scenarios: who publishes to which topic, who subscribes to what, and who expects which
 * messages. Publishers and subscribers are assigned round-robin to their host lists.
 */
public final class Scenarios {
    private Scenarios() {
    }

    private static Endpoint pick(List<Endpoint> hosts, int i) {
        return hosts.get(i % hosts.size());
    }

    private static int[] range(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** P publishers on {@code root/fanin/<i>}, one subscriber on {@code root/fanin/+} expecting all of them. */
    public static Plan fanin(Settings s, String root, int publishers) {
        Plan plan = new Plan("fanin");
        plan.parameters.put("publishers", publishers);
        plan.parameters.put("subscribers", 1);
        for (int i = 0; i < publishers; i++) {
            plan.addPublisher(s.clientPrefix + "pub-" + i, pick(s.pubHosts, i), root + "/fanin/" + i);
        }
        Receiver r = plan.addReceiver(new Receiver(s.clientPrefix + "sub-0", false, range(publishers)));
        plan.addSubscriber(s.clientPrefix + "sub-0", pick(s.subHosts, 0), new String[] {root + "/fanin/+"}, r);
        return plan.finish();
    }

    /** One publisher on {@code root/fanout}, S subscribers each expecting every message. */
    public static Plan fanout(Settings s, String root, int subscribers) {
        Plan plan = new Plan("fanout");
        plan.parameters.put("publishers", 1);
        plan.parameters.put("subscribers", subscribers);
        plan.addPublisher(s.clientPrefix + "pub-0", pick(s.pubHosts, 0), root + "/fanout");
        for (int i = 0; i < subscribers; i++) {
            String id = s.clientPrefix + "sub-" + i;
            Receiver r = plan.addReceiver(new Receiver(id, false, new int[] {0}));
            plan.addSubscriber(id, pick(s.subHosts, i), new String[] {root + "/fanout"}, r);
        }
        return plan.finish();
    }

    /** N publisher/subscriber pairs, pair i on its own topic {@code root/pairs/<i>}. */
    public static Plan pairs(Settings s, String root, int pairs) {
        Plan plan = new Plan("pairs");
        plan.parameters.put("pairs", pairs);
        for (int i = 0; i < pairs; i++) {
            plan.addPublisher(s.clientPrefix + "pub-" + i, pick(s.pubHosts, i), root + "/pairs/" + i);
        }
        for (int i = 0; i < pairs; i++) {
            String id = s.clientPrefix + "sub-" + i;
            Receiver r = plan.addReceiver(new Receiver(id, false, new int[] {i}));
            plan.addSubscriber(id, pick(s.subHosts, i), new String[] {root + "/pairs/" + i}, r);
        }
        return plan.finish();
    }

    /**
     * N devices publishing to {@code <fleetRoot>/<id>/telemetry}; M backend consumers in the shared group
     * {@code $share/<group>/<fleetRoot>/+/telemetry}, which together expect every message exactly once.
     */
    public static Plan fleet(Settings s, String fleetRoot, int devices, int consumers, String group) {
        Plan plan = new Plan("fleet");
        plan.parameters.put("devices", devices);
        plan.parameters.put("consumers", consumers);
        plan.parameters.put("group", group);
        for (int i = 0; i < devices; i++) {
            plan.addPublisher(s.clientPrefix + "dev-" + i, pick(s.pubHosts, i), fleetRoot + "/" + i + "/telemetry");
        }
        String filter = "$share/" + group + "/" + fleetRoot + "/+/telemetry";
        Receiver groupReceiver = plan.addReceiver(new Receiver("$share/" + group, true, range(devices)));
        for (int i = 0; i < consumers; i++) {
            plan.addSubscriber(s.clientPrefix + "ingest-" + i, pick(s.subHosts, i), new String[] {filter}, groupReceiver);
        }
        return plan.finish();
    }

    /** P publishers on a topic pattern ({@code %i} is replaced by the publisher index); nobody subscribes. */
    public static Plan pub(Settings s, String topicPattern, int publishers) {
        Plan plan = new Plan("pub");
        plan.parameters.put("publishers", publishers);
        plan.parameters.put("topic", topicPattern);
        for (int i = 0; i < publishers; i++) {
            plan.addPublisher(s.clientPrefix + "pub-" + i, pick(s.pubHosts, i), topicPattern.replace("%i", Integer.toString(i)));
        }
        return plan.finish();
    }

    /**
     * S subscribers on a filter, with no expectations (messages may come from a {@code pub} in another process):
     * lost means gaps in each publisher's sequence numbers. Members of a {@code $share/...} filter share one
     * receiver, so duplicates across the group count.
     */
    public static Plan sub(Settings s, String filter, int subscribers) {
        Plan plan = new Plan("sub");
        plan.parameters.put("subscribers", subscribers);
        plan.parameters.put("topic", filter);
        boolean shared = filter.startsWith("$share/");
        Receiver groupReceiver = shared ? plan.addReceiver(new Receiver(filter, true, null)) : null;
        for (int i = 0; i < subscribers; i++) {
            String id = s.clientPrefix + "sub-" + i;
            String f = filter.replace("%i", Integer.toString(i));
            Receiver r = shared ? groupReceiver : plan.addReceiver(new Receiver(id, false, null));
            plan.addSubscriber(id, pick(s.subHosts, i), new String[] {f}, r);
        }
        return plan.finish();
    }

    /** One background publisher on {@code root/storm}; N persistent-session subscribers each expecting all of it. */
    public static Plan storm(Settings s, String root, int clients) {
        Plan plan = new Plan("reconnect-storm");
        plan.parameters.put("clients", clients);
        plan.addPublisher(s.clientPrefix + "stream-0", pick(s.pubHosts, 0), root + "/storm");
        for (int i = 0; i < clients; i++) {
            String id = s.clientPrefix + "storm-" + i;
            Receiver r = plan.addReceiver(new Receiver(id, false, new int[] {0}));
            plan.addSubscriber(id, pick(s.subHosts, i), new String[] {root + "/storm"}, r);
        }
        return plan.finish();
    }
}
