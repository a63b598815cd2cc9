package io.mqttcluster.gateway.backend;

import io.mqttcluster.gateway.config.GatewayOptions.DnsNodeKey;
import io.mqttcluster.gateway.config.NodeAddress;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The nodes behind a DNS name, e.g. a Kubernetes headless Service: one node per address, with
 * the configured MQTT and HTTP ports. Resolved with the JDK resolver (which honours
 * /etc/resolv.conf search domains) on a worker thread, never on an event loop.
 *
 * <p>IPv4 addresses are used when the name has any; otherwise IPv6 ones (a dual-stack pod must not
 * count twice). With {@link DnsNodeKey#HOSTNAME} each address is keyed by its reverse-DNS name,
 * which for StatefulSet pods stays the same when the pod's IP changes.
 *
 * <p>Stateless apart from its settings; safe from any thread. The JVM caches DNS answers for 30 s
 * by default: {@code Main} sets {@code networkaddress.cache.ttl} so re-resolution sees changes.
 */
public final class DnsDiscovery implements NodeDiscovery {

    /** The lookups, replaceable in tests. Called on a worker thread; may block. */
    public interface Resolver {
        List<InetAddress> resolve(String name) throws UnknownHostException;

        default String reverse(InetAddress address) {
            return address.getCanonicalHostName();
        }
    }

    /** The JDK resolver. */
    public static final Resolver JDK = name -> Arrays.asList(InetAddress.getAllByName(name));

    private final Vertx vertx;
    private final String name;
    private final int mqttPort;
    private final int httpPort;
    private final DnsNodeKey keyMode;
    private final Resolver resolver;

    public DnsDiscovery(Vertx vertx, String name, int mqttPort, int httpPort, DnsNodeKey keyMode, Resolver resolver) {
        this.vertx = vertx;
        this.name = name;
        this.mqttPort = mqttPort;
        this.httpPort = httpPort;
        this.keyMode = keyMode;
        this.resolver = resolver;
    }

    @Override
    public Future<List<NodeAddress>> discover() {
        return vertx.executeBlocking(this::resolveNow, false);
    }

    @Override
    public boolean periodic() {
        return true;
    }

    /** Blocking: resolves the name and builds the node list. */
    List<NodeAddress> resolveNow() throws UnknownHostException {
        List<InetAddress> all = resolver.resolve(name);
        boolean anyV4 = all.stream().anyMatch(a -> a instanceof Inet4Address);
        Map<String, NodeAddress> out = new LinkedHashMap<>();
        for (InetAddress a : all) {
            if (anyV4 != (a instanceof Inet4Address)) {
                continue;
            }
            String ip = a.getHostAddress();
            String key = NodeAddress.keyOf(ip, mqttPort);
            if (keyMode == DnsNodeKey.HOSTNAME) {
                String host = resolver.reverse(a);
                if (host != null && !host.isEmpty() && !host.equals(ip)) {
                    key = NodeAddress.keyOf(stripDot(host), mqttPort);
                }
            }
            out.putIfAbsent(key, new NodeAddress(ip, mqttPort, httpPort, key));
        }
        return new ArrayList<>(out.values());
    }

    private static String stripDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    public String name() {
        return name;
    }
}
