package io.mqttcluster.bench.failover;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the gateway spread its connections over the broker nodes, from its Prometheus metric
 * {@code gateway_connections{node="host:port"}}, and which node a failover run kills: the one with the most.
 */
public final class GatewaySpread {
    /** The first node's MQTT port in scripts/run-local.sh: node i listens on 1883 + i and writes run/node&lt;i&gt;.pid. */
    static final int NODE_PORT_BASE = 1883;

    private static final Pattern CONNECTIONS =
            Pattern.compile("^gateway_connections\\{node=\"([^\"]+)\"\\} ([0-9.]+)", Pattern.MULTILINE);

    private GatewaySpread() {
    }

    /** Reads {@code http://<gatewayHttp>/metrics}: node -> connections, sorted by node. */
    public static Map<String, Integer> fetch(String gatewayHttp) throws IOException, InterruptedException {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + gatewayHttp + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return parse(body);
    }

    /** node -> connections from a metrics page, sorted by node; nodes the page does not name are absent. */
    static Map<String, Integer> parse(String metrics) {
        Map<String, Integer> out = new TreeMap<>();
        Matcher m = CONNECTIONS.matcher(metrics);
        while (m.find()) {
            out.put(m.group(1), (int) Double.parseDouble(m.group(2)));
        }
        return out;
    }

    /** The node with the most connections (the first in node order on a tie). */
    static String busiest(Map<String, Integer> spread) {
        return Collections.max(spread.entrySet(), Map.Entry.comparingByValue()).getKey();
    }

    /** The run-local.sh index of a node {@code host:port}: its port minus 1883. */
    static int nodeIndex(String node) {
        return Integer.parseInt(node.substring(node.lastIndexOf(':') + 1)) - NODE_PORT_BASE;
    }
}
