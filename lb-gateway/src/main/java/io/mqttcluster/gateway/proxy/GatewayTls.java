package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.config.ConfigException;
import io.mqttcluster.gateway.config.GatewayOptions;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The gateway's TLS termination: certificate and key from PEM files, optionally client certificates checked
 * against a CA. The gateway must see the CONNECT to hash the client id, so TLS ends here; the node gets plain
 * MQTT, with the client's address and certificate name in the PROXY v2 header. {@link #reloadIfChanged}
 * swaps in renewed files for new connections.
 *
 * <p>Thread-safe.
 */
public final class GatewayTls {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayTls.class);

    private final Path cert;
    private final Path key;
    private final Path ca;
    private final ClientAuth clientAuth;
    private volatile SslContext context;
    private volatile List<Object> stamps;

    private GatewayTls(GatewayOptions o) {
        cert = Path.of(o.tlsCertFile());
        key = Path.of(o.tlsKeyFile());
        ca = o.tlsCaFile().isBlank() ? null : Path.of(o.tlsCaFile());
        clientAuth = switch (o.tlsClientAuth()) {
            case REQUIRED -> ClientAuth.REQUIRE;
            case OPTIONAL -> ClientAuth.OPTIONAL;
            case NONE -> ClientAuth.NONE;
        };
    }

    /** Loads the files; a bad one stops start-up with its key named. */
    public static GatewayTls load(GatewayOptions o) {
        GatewayTls t = new GatewayTls(o);
        certificates("tls.cert-file", t.cert);
        if (t.ca != null) {
            certificates("tls.ca-file", t.ca);
        }
        if (!Files.isReadable(t.key)) {
            throw new ConfigException("tls.key-file", "cannot read " + t.key);
        }
        t.stamps = t.stamp();
        try {
            t.context = t.build();
        } catch (Exception e) {
            throw new ConfigException("tls.key-file", "not an unencrypted PKCS#8 PEM key for the certificate in " + t.cert
                    + ": " + e.getMessage());
        }
        return t;
    }

    public SslContext context() {
        return context;
    }

    /** Blocking: call on a worker thread. */
    public synchronized void reloadIfChanged() {
        List<Object> now = stamp();
        if (now.equals(stamps)) {
            return;
        }
        stamps = now;
        try {
            context = build();
            LOG.info("event=tls_reloaded cert={}", cert);
        } catch (Exception e) {
            LOG.error("event=tls_reload_failed cert={} error=\"{}\" action=keep_previous_certificate", cert, e.getMessage());
        }
    }

    private SslContext build() throws Exception {
        SslContextBuilder b = SslContextBuilder.forServer(cert.toFile(), key.toFile())
                .protocols("TLSv1.3", "TLSv1.2").clientAuth(clientAuth);
        if (ca != null) {
            b.trustManager(ca.toFile());
        }
        return b.build();
    }

    private List<Object> stamp() {
        List<Object> out = new ArrayList<>();
        for (Path p : new Path[] {cert, key, ca}) {
            if (p == null) {
                continue;
            }
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                out.add(List.of(a.size(), a.lastModifiedTime(), Objects.requireNonNullElse(a.fileKey(), "")));
            } catch (IOException e) {
                out.add("missing");
            }
        }
        return out;
    }

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
}
