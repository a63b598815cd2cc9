package io.mqttcluster.broker.cluster;

import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.config.ConfigException;
import io.mqttcluster.cluster.forward.PeerAuth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The cluster secret (cluster.secret-file), read once at start-up: what nodes prove to each other on the bus
 * ({@link PeerAuth}) and what the Hazelcast cluster name is derived from, so that nodes with different secrets
 * form different clusters instead of one whose links refuse each other.
 */
public final class ClusterSecret {

    static final String KEY = "cluster.secret-file";

    private ClusterSecret() {
    }

    /**
     * {@link PeerAuth#NONE} without a file; else authentication with the file's bytes, trailing white space and line
     * ends removed (so {@code openssl rand -base64 32 > file} works as it is). Throws a {@link ConfigException}
     * naming the key when the file cannot be read, is empty, or holds fewer than {@link PeerAuth#MIN_SECRET_BYTES}
     * bytes. Blocking: at start-up only.
     */
    public static PeerAuth load(BrokerConfig config) {
        String file = config.clusterSecretFile();
        if (file.isBlank()) {
            return PeerAuth.NONE;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(Path.of(file));
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(KEY, "cannot read " + file + ": " + e);
        }
        int n = bytes.length;
        while (n > 0 && (bytes[n - 1] == '\n' || bytes[n - 1] == '\r' || bytes[n - 1] == ' ' || bytes[n - 1] == '\t')) {
            n--;
        }
        if (n == 0) {
            throw new ConfigException(KEY, file + " is empty");
        }
        if (n < PeerAuth.MIN_SECRET_BYTES) {
            throw new ConfigException(KEY, file + " holds " + n + " bytes; at least " + PeerAuth.MIN_SECRET_BYTES
                    + " are needed (for example: openssl rand -base64 32 > " + file + ")");
        }
        byte[] secret = Arrays.copyOf(bytes, n);
        Arrays.fill(bytes, (byte) 0);
        return PeerAuth.sharedSecret(secret);
    }

    /**
     * The Hazelcast cluster name: cluster.name, and with a secret a tag derived from it. A member without the
     * secret does not join by mistake; this is no authentication (the name travels in clear in the join request).
     */
    public static String hazelcastClusterName(BrokerConfig config, PeerAuth auth) {
        return auth.enabled() ? config.clusterName() + "-" + auth.fingerprint() : config.clusterName();
    }

    /** True when the cluster ports bind to a loopback address: nobody on another machine can reach them. */
    public static boolean loopbackOnly(BrokerConfig config) {
        String h = config.clusterHost().trim();
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
    }
}
