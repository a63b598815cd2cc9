package io.mqttcluster.broker.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A list of network sources as a user writes it: IP addresses, CIDR ranges ({@code 10.0.0.0/8},
 * {@code fd00::/8}), host names (resolved by the caller, which may re-resolve them; a Kubernetes headless
 * service name lists the pods behind it), or {@code *} for every source. Parsing never touches DNS: only
 * literals are turned into addresses here.
 *
 * @param any       {@code *} was given: every source matches
 * @param ranges    the addresses and CIDR ranges
 * @param hostNames the names to resolve
 */
public record SourceList(boolean any, List<Range> ranges, List<String> hostNames) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern HOST = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

    public static final SourceList EMPTY = new SourceList(false, List.of(), List.of());

    /** One address range: the first {@code prefix} bits of {@code network}. */
    public record Range(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    public boolean isEmpty() {
        return !any && ranges.isEmpty() && hostNames.isEmpty();
    }

    /** Whether {@code address} is in one of the ranges (or the list is {@code *}); host names are the caller's. */
    public boolean inRanges(InetAddress address) {
        if (any) {
            return true;
        }
        byte[] a = address.getAddress();
        for (Range r : ranges) {
            if (r.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** Parses comma-separated entries; throws IllegalArgumentException naming the bad entry. */
    public static SourceList parse(String text) {
        boolean any = false;
        List<Range> ranges = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) {
                continue;
            }
            if (p.equals("*")) {
                any = true;
                continue;
            }
            int slash = p.indexOf('/');
            String host = slash < 0 ? p : p.substring(0, slash);
            boolean literal = IPV4.matcher(host).matches() || host.contains(":");
            if (!literal) {
                if (slash >= 0 || !HOST.matcher(host).matches()) {
                    throw new IllegalArgumentException("'" + part.trim() + "' is not an address, a CIDR range or a host name");
                }
                names.add(host);
                continue;
            }
            byte[] network;
            try {
                network = InetAddress.getByName(host).getAddress(); // a literal: no DNS lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + part.trim() + "' is not a valid address");
            }
            int bits = network.length * 8;
            int prefix = bits;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(p.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException("'" + part.trim() + "' has a prefix length outside 0.." + bits);
                }
            }
            ranges.add(new Range(network, prefix));
        }
        return new SourceList(any, List.copyOf(ranges), List.copyOf(names));
    }
}
