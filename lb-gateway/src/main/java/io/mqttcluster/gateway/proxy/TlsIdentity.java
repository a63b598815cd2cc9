package io.mqttcluster.gateway.proxy;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/** Reads what a finished TLS handshake says about the client. */
final class TlsIdentity {

    private TlsIdentity() {
    }

    static ProxyProtocolV2.Tls of(SSLEngine engine) {
        SSLSession session = engine.getSession();
        String cn = null;
        boolean cert = false;
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate x) {
                cert = true;
                cn = commonName(x);
            }
        } catch (SSLPeerUnverifiedException e) {
            // no client certificate
        }
        return new ProxyProtocolV2.Tls(session.getProtocol(), session.getCipherSuite(), cn, cert);
    }

    /** The subject's CN (the most specific one when there are several), or null. */
    static String commonName(X509Certificate cert) {
        try {
            LdapName name = new LdapName(cert.getSubjectX500Principal().getName());
            String cn = null;
            for (Rdn rdn : name.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = String.valueOf(rdn.getValue());
                }
            }
            return cn;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
