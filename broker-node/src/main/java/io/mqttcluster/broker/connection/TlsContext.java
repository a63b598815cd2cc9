package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.auth.FileStamp;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.config.ConfigException;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The server side of TLS for the MQTT-over-TLS and secure WebSocket listeners: certificate chain and key
 * from PEM files, optionally the CAs that client certificates must chain to. New connections use the
 * newest certificate: {@link #reloadIfChanged} swaps it when a file changed (open connections keep theirs).
 * A broken file at start-up stops the node; on reload it keeps the certificate in force.
 *
 * <p>Thread-safe.
 */
public final class TlsContext {

    private static final Logger log = LoggerFactory.getLogger(TlsContext.class);

    private final Path cert;
    private final Path key;
    private final Path ca;
    private final ClientAuth clientAuth;
    private volatile SslContext context;
    private volatile FileStamp[] stamps;

    private TlsContext(BrokerConfig config) {
        this.cert = Path.of(config.tlsCertFile());
        this.key = Path.of(config.tlsKeyFile());
        this.ca = config.tlsCaFile().isBlank() ? null : Path.of(config.tlsCaFile());
        this.clientAuth = switch (config.tlsClientAuth()) {
            case "required" -> ClientAuth.REQUIRE;
            case "optional" -> ClientAuth.OPTIONAL;
            default -> ClientAuth.NONE;
        };
    }

    /** Loads the files; null when no TLS listener is on. */
    public static TlsContext start(BrokerConfig config) {
        if (!config.tlsEnabled() && !config.wssEnabled()) {
            return null;
        }
        TlsContext t = new TlsContext(config);
        t.stamps = t.stampFiles();
        certificates("tls.cert-file", t.cert);
        if (t.ca != null) {
            certificates("tls.ca-file", t.ca);
        }
        if (!Files.isReadable(t.key)) {
            throw new ConfigException("tls.key-file", "cannot read " + t.key);
        }
        try {
            t.context = t.build();
        } catch (Exception e) {
            throw new ConfigException("tls.key-file", "not an unencrypted PKCS#8 PEM key for the certificate in "
                    + t.cert + " (convert with: openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key): " + rootMessage(e));
        }
        return t;
    }

    public SslContext context() {
        return context;
    }

    /** Blocking (reads files): call on a worker thread. */
    public synchronized boolean reloadIfChanged() {
        FileStamp[] now = stampFiles();
        if (Arrays.equals(now, stamps)) {
            return false;
        }
        stamps = now;
        try {
            context = build();
            log.info("event=tls_reloaded cert={}", cert);
            return true;
        } catch (Exception e) {
            log.error("event=tls_reload_failed cert={} error=\"{}\" action=keep_previous_certificate", cert, rootMessage(e));
            return false;
        }
    }

    private SslContext build() throws Exception {
        SslContextBuilder b = SslContextBuilder.forServer(cert.toFile(), key.toFile())
                .protocols("TLSv1.3", "TLSv1.2")
                .clientAuth(clientAuth);
        if (ca != null) {
            b.trustManager(ca.toFile());
        }
        return b.build();
    }

    /** Checks that a file holds at least one PEM certificate; stops start-up naming the key otherwise. */
    private static void certificates(String key, Path p) {
        if (!Files.isReadable(p)) {
            throw new ConfigException(key, "cannot read " + p);
        }
        try (InputStream in = Files.newInputStream(p)) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw new ConfigException(key, "no certificate in " + p);
            }
        } catch (IOException | CertificateException e) {
            throw new ConfigException(key, "not a PEM certificate file: " + p + ": " + e.getMessage());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + t.getMessage();
    }

    private FileStamp[] stampFiles() {
        List<FileStamp> out = new ArrayList<>(3);
        out.add(FileStamp.of(cert));
        out.add(FileStamp.of(key));
        if (ca != null) {
            out.add(FileStamp.of(ca));
        }
        return out.toArray(new FileStamp[0]);
    }

    /** The subject CN of a certificate (the most specific when there are several), or null. */
    public static String commonName(X509Certificate c) {
        try {
            String cn = null;
            for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
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
