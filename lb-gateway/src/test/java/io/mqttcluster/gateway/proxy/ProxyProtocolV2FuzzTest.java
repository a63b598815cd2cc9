package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.fuzz.FuzzStats;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PROXY protocol v2 header the gateway writes, for any addresses, ports and TLS facts (the certificate's CN is the
 * client's: any length, any characters), decodes with the node's decoder (Netty's HAProxyMessageDecoder) to what the
 * gateway meant, and nothing of the MQTT bytes behind it is taken into the header.
 */
class ProxyProtocolV2FuzzTest {

    static final String PARSER = "gateway-proxy-v2-header";

    @AfterContainer
    static void report() {
        FuzzStats.print();
    }

    @Property
    void headers_decodeToWhatTheGatewayMeant(@ForAll("addresses") InetAddress source, @ForAll("ports") int sourcePort,
                                             @ForAll("addresses") InetAddress destination, @ForAll("ports") int destinationPort,
                                             @ForAll("tls") Tls tls) throws UnknownHostException {
        FuzzStats.count(PARSER);
        ProxyProtocolV2.Tls t = tls.absent() ? null : new ProxyProtocolV2.Tls(tls.version(), tls.cipher(), tls.commonName(), tls.certificate());
        byte[] header = ProxyProtocolV2.header(source, sourcePort, destination, destinationPort, t);
        byte[] mqtt = {0x10, 0x0C, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0};
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(header, mqtt));
            HAProxyMessage m = ch.readInbound();
            assertThat(m).isNotNull();
            try {
                assertThat(m.command()).isEqualTo(HAProxyCommand.PROXY);
                assertThat(m.sourcePort()).isEqualTo(sourcePort);
                assertThat(m.destinationPort()).isEqualTo(destinationPort);
                assertThat(InetAddress.getByName(m.sourceAddress())).isEqualTo(source);
                assertThat(InetAddress.getByName(m.destinationAddress())).isEqualTo(destination);
                String cn = null;
                boolean ssl = false;
                for (HAProxyTLV tlv : m.tlvs()) {
                    if (tlv instanceof HAProxySSLTLV s) {
                        ssl = true;
                        assertThat(s.isPP2ClientSSL()).isTrue();
                        assertThat(s.isPP2ClientCertConn()).isEqualTo(tls.certificate());
                        for (HAProxyTLV sub : s.encapsulatedTLVs()) {
                            if (sub.type() == HAProxyTLV.Type.PP2_TYPE_SSL_CN) {
                                cn = sub.content().toString(StandardCharsets.UTF_8);
                            }
                        }
                    }
                }
                assertThat(ssl).isEqualTo(t != null);
                if (t != null && tls.commonName() != null) {
                    // a CN too long for the header is left out (never cut: a prefix could name someone else), and
                    // the header is never broken by it
                    int others = tls.version().length() + tls.cipher().length() + 6;
                    int cnBytes = tls.commonName().getBytes(StandardCharsets.UTF_8).length;
                    if (cnBytes == 0) {
                        assertThat(cn).isNull(); // an empty sub-TLV decodes as none: no name either way
                    } else if (5 + others + 3 + cnBytes <= ProxyProtocolV2.MAX_SSL_VALUE) {
                        assertThat(cn).isEqualTo(tls.commonName());
                    } else {
                        assertThat(cn).isNull();
                    }
                }
            } finally {
                m.release();
            }
            // the MQTT bytes behind the header are left for the MQTT decoder, all of them
            io.netty.buffer.ByteBuf rest = ch.readInbound();
            assertThat(rest).isNotNull();
            byte[] b = new byte[rest.readableBytes()];
            rest.readBytes(b);
            rest.release();
            assertThat(b).isEqualTo(mqtt);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    record Tls(boolean absent, String version, String cipher, String commonName, boolean certificate) {
        @Override
        public String toString() {
            return absent ? "no TLS" : "TLS(" + version + ", " + cipher + ", CN of " + (commonName == null ? "none" : commonName.length() + " chars") + ", cert " + certificate + ")";
        }
    }

    @Provide
    Arbitrary<InetAddress> addresses() {
        Arbitrary<byte[]> v4 = Arbitraries.bytes().array(byte[].class).ofSize(4);
        Arbitrary<byte[]> v6 = Arbitraries.bytes().array(byte[].class).ofSize(16);
        return Arbitraries.oneOf(v4, v6).map(b -> {
            try {
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Provide
    Arbitrary<Integer> ports() {
        return Arbitraries.integers().between(0, 65_535);
    }

    @Provide
    Arbitrary<Tls> tls() {
        Arbitrary<String> shortText = Arbitraries.strings().withCharRange('\u0020', '\u007E').ofMaxLength(40);
        Arbitrary<String> cn = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.strings().withCharRange('\u0020', '\u007E').withCharRange('\u00A0', '\uD7FF').ofMaxLength(64)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(60_000, 70_000).map("c"::repeat)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just((String) null)));
        return Combinators.combine(Arbitraries.of(true, false, false), shortText, shortText, cn, Arbitraries.of(true, false))
                .as(Tls::new);
    }
}
