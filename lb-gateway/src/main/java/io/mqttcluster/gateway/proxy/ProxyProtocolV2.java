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
 *
 * <p>For a client that came over TLS, a PP2_TYPE_SSL TLV (0x20, section 2.2.5) follows the addresses:
 * one byte of client flags (0x01 TLS, 0x02 certificate presented on this connection), four bytes of
 * verify result (0 = the certificate was verified), then sub-TLVs: PP2_SUBTYPE_SSL_VERSION (0x21,
 * e.g. "TLSv1.3"), PP2_SUBTYPE_SSL_CN (0x22, the certificate's subject CN, UTF-8) and
 * PP2_SUBTYPE_SSL_CIPHER (0x23). The length field covers addresses and TLVs.
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
        return header(source, sourcePort, destination, destinationPort, null);
    }

    /**
     * What the gateway learnt from a client's TLS session.
     *
     * @param version     the protocol, e.g. "TLSv1.3"
     * @param cipher      the cipher suite
     * @param commonName  the subject CN of the client's certificate, or null without one
     * @param certificate whether the client presented a certificate (it was verified: the handshake
     *                    fails otherwise)
     */
    public record Tls(String version, String cipher, String commonName, boolean certificate) {
    }

    /** The header with a PP2_TYPE_SSL TLV when {@code tls} is not null. */
    public static byte[] header(InetAddress source, int sourcePort, InetAddress destination, int destinationPort, Tls tls) {
        if (source == null || destination == null) {
            return local();
        }
        boolean v4 = source instanceof Inet4Address && destination instanceof Inet4Address;
        int addressLength = v4 ? 4 : 16;
        byte[] tlv = tls == null ? new byte[0] : sslTlv(tls);
        int length = 2 * addressLength + 4 + tlv.length;
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
        out[p++] = (byte) destinationPort;
        System.arraycopy(tlv, 0, out, p, tlv.length);
        return out;
    }

    /**
     * The largest PP2_TYPE_SSL value that fits: the header's 16-bit length covers the addresses (36 bytes at most)
     * and the TLV's own 3-byte head.
     */
    static final int MAX_SSL_VALUE = 0xFFFF - 36 - 3;

    private static byte[] sslTlv(Tls tls) {
        java.io.ByteArrayOutputStream sub = new java.io.ByteArrayOutputStream();
        // a value that does not fit is left out, never cut nor let overflow a length field: an overflowing length
        // would end the header early and hand the rest of it to the node as MQTT bytes; a CN cut short would name
        // someone else. Without its CN sub-TLV the node sees no certificate name.
        int budget = MAX_SSL_VALUE - 1 - 4;
        budget -= subTlv(sub, 0x21, tls.version(), budget);
        budget -= subTlv(sub, 0x23, tls.cipher(), budget);
        subTlv(sub, 0x22, tls.commonName(), budget);
        byte[] subs = sub.toByteArray();
        int valueLength = 1 + 4 + subs.length;
        byte[] out = new byte[3 + valueLength];
        out[0] = 0x20;
        out[1] = (byte) (valueLength >> 8);
        out[2] = (byte) valueLength;
        out[3] = (byte) (0x01 | (tls.certificate() ? 0x02 : 0));
        // out[4..7]: verify = 0, the handshake only succeeds with a verified certificate (or none)
        System.arraycopy(subs, 0, out, 8, subs.length);
        return out;
    }

    /** Writes a sub-TLV when it fits in {@code budget} bytes; returns the bytes written (0 when left out). */
    private static int subTlv(java.io.ByteArrayOutputStream out, int type, String value, int budget) {
        if (value == null) {
            return 0;
        }
        byte[] v = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (3 + v.length > budget) {
            return 0;
        }
        out.write(type);
        out.write(v.length >> 8);
        out.write(v.length);
        out.write(v, 0, v.length);
        return 3 + v.length;
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
