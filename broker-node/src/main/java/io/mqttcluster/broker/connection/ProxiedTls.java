package io.mqttcluster.broker.connection;

import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;

import java.nio.charset.StandardCharsets;

/**
 * Reads the client's TLS identity from a PROXY protocol v2 header: the PP2_TYPE_SSL TLV that a gateway
 * terminating TLS adds (client flags, verify result, and the PP2_SUBTYPE_SSL_CN sub-TLV). Only a verified
 * certificate presented on this connection counts. The header is read only from the sources the operator
 * listed in mqtt.proxy-protocol-trusted ({@link ProxySources}).
 */
final class ProxiedTls {

    private ProxiedTls() {
    }

    static String certificateName(HAProxyMessage proxy) {
        for (HAProxyTLV tlv : proxy.tlvs()) {
            if (tlv instanceof HAProxySSLTLV ssl && ssl.isPP2ClientSSL() && ssl.isPP2ClientCertConn() && ssl.verify() == 0) {
                for (HAProxyTLV sub : ssl.encapsulatedTLVs()) {
                    if (sub.type() == HAProxyTLV.Type.PP2_TYPE_SSL_CN) {
                        return sub.content().toString(StandardCharsets.UTF_8);
                    }
                }
            }
        }
        return null;
    }
}
