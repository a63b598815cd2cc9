package io.mqttcluster.broker.config;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds a {@link BrokerConfig} from, in rising priority: the defaults, a YAML file, environment variables
 * ({@code MQTTC_MQTT_PORT} for {@code mqtt.port}) and command-line values. An unknown key or a bad value
 * stops start-up with a {@link ConfigException} naming the key.
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    /**
     * @param flags command-line values by key
     * @param env   the environment (only {@code MQTTC_*} variables are read; an unknown one is an error)
     * @param yaml  a YAML file, or null
     */
    public static BrokerConfig load(Map<String, String> flags, Map<String, String> env, Path yaml) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Setting s : BrokerConfig.SETTINGS) {
            values.put(s.key(), s.parse(s.defaultValue()));
        }
        if (yaml != null) {
            for (Map.Entry<String, String> e : readYaml(yaml).entrySet()) {
                values.put(e.getKey(), settingOrFail(e.getKey()).parse(e.getValue()));
            }
        }
        Map<String, Setting> byEnv = BrokerConfig.SETTINGS.stream()
                .collect(Collectors.toMap(Setting::envName, s -> s));
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!e.getKey().startsWith("MQTTC_")) {
                continue;
            }
            Setting s = byEnv.get(e.getKey());
            if (s == null) {
                throw new ConfigException(e.getKey(), "unknown environment variable (see the configuration reference)");
            }
            values.put(s.key(), s.parse(e.getValue()));
        }
        for (Map.Entry<String, String> e : flags.entrySet()) {
            values.put(e.getKey(), settingOrFail(e.getKey()).parse(e.getValue()));
        }
        return validate(new BrokerConfig(values));
    }

    /** Checks that hold between keys. */
    static BrokerConfig validate(BrokerConfig c) {
        int explicitSize = (Integer) c.get("cluster.size");
        if (explicitSize > 0 && c.clusterMembers().size() > explicitSize) {
            throw new ConfigException("cluster.size", "is " + explicitSize + " but cluster.members lists "
                    + c.clusterMembers().size() + " nodes: the quorum would be too small to stop a split brain");
        }
        if (explicitSize == 0 && !c.kubernetesServiceDns().isBlank()) {
            throw new ConfigException("cluster.size", "must be set with cluster.kubernetes-service-dns (the quorum depends on it)");
        }
        if (c.quorum() > c.clusterSize() && (Integer) c.get("cluster.quorum") != 0) {
            throw new ConfigException("cluster.quorum", "must not exceed cluster.size (" + c.clusterSize() + ")");
        }
        if (c.maxInflight() > c.maxQueuedMessages()) {
            throw new ConfigException("mqtt.max-inflight", "must not exceed mqtt.max-queued-messages");
        }
        if (!c.allowAnonymous() && c.passwordFile().isBlank() && !c.useIdentityAsUsername()) {
            throw new ConfigException("auth.allow-anonymous",
                    "false needs auth.password-file or auth.use-identity-as-username (client certificates)");
        }
        if (c.tlsEnabled() || c.wssEnabled()) {
            String listener = c.tlsEnabled() ? "tls.enabled" : "wss.enabled";
            if (c.tlsCertFile().isBlank()) {
                throw new ConfigException("tls.cert-file", "needed by " + listener);
            }
            if (c.tlsKeyFile().isBlank()) {
                throw new ConfigException("tls.key-file", "needed by " + listener);
            }
            if (!c.tlsClientAuth().equals("none") && c.tlsCaFile().isBlank()) {
                throw new ConfigException("tls.ca-file", "needed by tls.client-auth=" + c.tlsClientAuth());
            }
        }
        if (c.proxyProtocol() && c.proxyProtocolTrusted().isEmpty()) {
            throw new ConfigException("mqtt.proxy-protocol-trusted", "must list the gateways' addresses, CIDR ranges or host names"
                    + " when mqtt.proxy-protocol is true (anyone else could claim any client address and certificate name);"
                    + " '*' trusts every source");
        }
        if (!c.wsPath().startsWith("/")) {
            throw new ConfigException("ws.path", "must start with /");
        }
        return c;
    }

    private static Setting settingOrFail(String key) {
        Setting s = BrokerConfig.setting(key);
        if (s == null) {
            throw new ConfigException(key, "unknown key");
        }
        return s;
    }

    /** Reads a YAML file into dotted keys; lists become comma-separated text. */
    static Map<String, String> readYaml(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
        }
        Object root;
        try {
            root = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromString(text);
        } catch (RuntimeException e) {
            throw new ConfigException("--config", "not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (root == null) {
            return out;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException("--config", "the file must hold a mapping of keys");
        }
        flatten("", map, out);
        return out;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, out);
            } else if (v instanceof List<?> list) {
                out.put(key, list.stream().map(String::valueOf).collect(Collectors.joining(",")));
            } else {
                out.put(key, v == null ? "" : String.valueOf(v));
            }
        }
    }
}
