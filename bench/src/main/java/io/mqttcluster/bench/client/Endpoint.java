package io.mqttcluster.bench.client;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** A broker address, {@code host:port}. */
public final class Endpoint {
    private final String host;
    private final int port;
    private final InetSocketAddress address;

    public Endpoint(String host, int port) {
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.host = host;
        this.port = port;
        this.address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve host '" + host + "'");
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return address;
    }

    public boolean isLoopback() {
        return address.getAddress().isLoopbackAddress();
    }

    /** Parses {@code host:port} (port required), or {@code host} with {@code defaultPort}. */
    public static Endpoint parse(String text, int defaultPort) {
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon > 0 && s.indexOf(':') == colon) {
            return new Endpoint(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
        }
        if (s.startsWith("[") && s.contains("]:")) {
            int close = s.indexOf("]:");
            return new Endpoint(s.substring(1, close), Integer.parseInt(s.substring(close + 2)));
        }
        return new Endpoint(s, defaultPort);
    }

    /** Parses a comma-separated list {@code h:p,h:p}. */
    public static List<Endpoint> parseList(String text, int defaultPort) {
        List<Endpoint> list = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                list.add(parse(part, defaultPort));
            }
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("empty host list '" + text + "'");
        }
        return list;
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
