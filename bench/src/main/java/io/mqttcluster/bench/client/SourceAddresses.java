package io.mqttcluster.bench.client;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Local addresses to bind outgoing connections to, handed out round-robin. Binding connections to a loopback
 * broker over 127.0.0.2..127.0.0.50 gives every source address its own ephemeral port range, so many more
 * connections fit than on 127.0.0.1 alone. Thread-safe.
 */
public final class SourceAddresses {
    private static final SourceAddresses NONE = new SourceAddresses(List.of());

    private final List<InetSocketAddress> addresses;
    private final AtomicInteger next = new AtomicInteger();

    private SourceAddresses(List<InetSocketAddress> addresses) {
        this.addresses = addresses;
    }

    public static SourceAddresses none() {
        return NONE;
    }

    /**
     * Parses {@code none}, a single address, a range {@code 127.0.0.2-127.0.0.50} (the last byte varies) or a
     * comma-separated list of those.
     */
    public static SourceAddresses parse(String text) {
        if (text == null || text.isBlank() || text.equalsIgnoreCase("none")) {
            return NONE;
        }
        List<InetSocketAddress> list = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            try {
                if (dash < 0) {
                    list.add(new InetSocketAddress(InetAddress.getByName(p), 0));
                    continue;
                }
                byte[] from = InetAddress.getByName(p.substring(0, dash).trim()).getAddress();
                byte[] to = InetAddress.getByName(p.substring(dash + 1).trim()).getAddress();
                if (from.length != 4 || to.length != 4 || from[0] != to[0] || from[1] != to[1] || from[2] != to[2]) {
                    throw new IllegalArgumentException("address range '" + p + "' must vary only in the last byte");
                }
                int lo = from[3] & 0xFF;
                int hi = to[3] & 0xFF;
                if (hi < lo) {
                    throw new IllegalArgumentException("address range '" + p + "' is empty");
                }
                for (int i = lo; i <= hi; i++) {
                    byte[] a = from.clone();
                    a[3] = (byte) i;
                    list.add(new InetSocketAddress(InetAddress.getByAddress(a), 0));
                }
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bad source address '" + p + "': " + e.getMessage(), e);
            }
        }
        return new SourceAddresses(List.copyOf(list));
    }

    public int size() {
        return addresses.size();
    }

    public boolean isEmpty() {
        return addresses.isEmpty();
    }

    /** The next address to bind to, or null when no binding is configured or the target is not loopback. */
    public InetSocketAddress nextFor(Endpoint target) {
        if (addresses.isEmpty() || !target.isLoopback()) {
            return null;
        }
        return addresses.get(Math.floorMod(next.getAndIncrement(), addresses.size()));
    }

    @Override
    public String toString() {
        if (addresses.isEmpty()) {
            return "none";
        }
        if (addresses.size() == 1) {
            return addresses.get(0).getAddress().getHostAddress();
        }
        return addresses.get(0).getAddress().getHostAddress() + "-"
                + addresses.get(addresses.size() - 1).getAddress().getHostAddress()
                + " (" + addresses.size() + ")";
    }
}
