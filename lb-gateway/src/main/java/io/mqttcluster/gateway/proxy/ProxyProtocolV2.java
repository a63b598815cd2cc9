package io.mqttcluster.gateway.proxy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Encodes the binary PROXY protocol version 2 header (HAProxy's "The PROXY protocol", section
 * 2.2) that tells the node the client's real source and destination address. Pure: safe from any
 * thread.
 *
 * <p>Layout: the 12-byte signature {@code \r\n\r\n\0\r\nQUIT\n}; one byte version and command
 * (0x21 = version 2, PROXY); one byte family and transport (0x11 = TCP over IPv4, 0x21 = TCP over
 * IPv6); a 16-bit big-endian length of what follows (12 for IPv4, 36 for IPv6); then the source
 * address, the destination address, the source port and the destination port, all big-endian.
 * When one side is IPv4 and the other IPv6, the IPv4 one is written as IPv4-mapped IPv6. Without
 * addresses the header says LOCAL (0x20, family 0x00, length 0).
 */
public final class ProxyProtocolV2 {

    /** The fixed 12-byte signature. */
    static final byte[] SIGNATURE = {
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
    };

    private ProxyProtocolV2() {
    }

    /**
     * The header for a TCP connection from {@code source} to {@code destination} (the address the
     * client connected to, i.e. the gateway's own).
     */
    public static byte[] header(InetAddress source, int sourcePort, InetAddress destination, int destinationPort) {
        if (source == null || destination == null) {
            return local();
        }
        boolean v4 = source instanceof Inet4Address && destination instanceof Inet4Address;
        int addressLength = v4 ? 4 : 16;
        int length = 2 * addressLength + 4;
        byte[] out = new byte[16 + length];
        System.arraycopy(SIGNATURE, 0, out, 0, 12);
        out[12] = 0x21;
        out[13] = (byte) (v4 ? 0x11 : 0x21);
        out[14] = (byte) (length >> 8);
        out[15] = (byte) length;
        int p = 16;
        byte[] src = v4 ? source.getAddress() : ipv6(source);
        byte[] dst = v4 ? destination.getAddress() : ipv6(destination);
        System.arraycopy(src, 0, out, p, addressLength);
        p += addressLength;
        System.arraycopy(dst, 0, out, p, addressLength);
        p += addressLength;
        out[p++] = (byte) (sourcePort >> 8);
        out[p++] = (byte) sourcePort;
        out[p++] = (byte) (destinationPort >> 8);
        out[p] = (byte) destinationPort;
        return out;
    }

    /** The LOCAL header: no address information (the node should use the real TCP peer). */
    public static byte[] local() {
        byte[] out = new byte[16];
        System.arraycopy(SIGNATURE, 0, out, 0, 12);
        out[12] = 0x20;
        out[13] = 0x00;
        return out;
    }

    private static byte[] ipv6(InetAddress address) {
        if (address instanceof Inet6Address) {
            return address.getAddress();
        }
        byte[] v4 = address.getAddress();
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, mapped, 12, 4);
        return mapped;
    }
}
