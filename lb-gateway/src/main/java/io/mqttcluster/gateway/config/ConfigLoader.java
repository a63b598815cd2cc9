package io.mqttcluster.gateway.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Builds {@link GatewayOptions} from, in rising precedence: the defaults, one YAML file, the
 * environment ({@code GATEWAY_*}, see {@link ConfigKeys#envName}), and flags. Stateless; call
 * from the starting thread.
 *
 * <p>YAML keys may be nested ({@code limits: {max-connections: 10}}) or dotted
 * ({@code limits.max-connections: 10}); both name the same key. An unknown key in the file stops
 * start-up. Environment variables that start with {@code GATEWAY_} but match no key are ignored,
 * because container platforms add their own (Kubernetes adds {@code GATEWAY_PORT=tcp://...} for a
 * Service named "gateway": set {@code enableServiceLinks: false} on such pods).
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    /**
     * @param file  YAML file, or null
     * @param env   the environment, e.g. {@code System.getenv()}
     * @param flags key to value, from the command line (highest precedence)
     * @throws ConfigException naming the key at fault (also for an unreadable file, key "config")
     */
    public static GatewayOptions load(Path file, Map<String, String> env, Map<String, Object> flags) {
        GatewayOptions options = new GatewayOptions();
        if (file != null) {
            String source = "file " + file;
            for (Map.Entry<String, Object> e : readYaml(file).entrySet()) {
                ConfigKeys.apply(options, e.getKey(), e.getValue(), source);
            }
        }
        for (ConfigKeys.Key key : ConfigKeys.ALL) {
            String value = env.get(key.envName());
            if (value != null) {
                ConfigKeys.apply(options, key.name(), value, "environment variable " + key.envName());
            }
        }
        for (Map.Entry<String, Object> e : flags.entrySet()) {
            ConfigKeys.apply(options, e.getKey(), e.getValue(), "command line");
        }
        return options.validate();
    }

    /** The file's keys flattened to dotted names, in file order. */
    static Map<String, Object> readYaml(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("config", "cannot read " + file + ": " + e.getMessage());
        }
        return parseYaml(text, file.toString());
    }

    static Map<String, Object> parseYaml(String text, String name) {
        Object root;
        try {
            root = new Load(LoadSettings.builder().setLabel(name).setAllowDuplicateKeys(false).build()).loadFromString(text);
        } catch (YamlEngineException e) {
            throw new ConfigException("config", "invalid YAML in " + name + ": " + e.getMessage());
        }
        Map<String, Object> flat = new LinkedHashMap<>();
        if (root == null) {
            return flat;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException("config", name + " must hold a mapping of keys to values");
        }
        flatten("", map, flat);
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            Object value = e.getValue();
            if (value instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, out);
            } else if (value == null && ConfigKeys.find(key).isEmpty()) {
                // "section:" with nothing under it; an unknown leaf still fails below
                if (isSection(key)) {
                    continue;
                }
                out.put(key, null);
            } else {
                out.put(key, value);
            }
        }
    }

    private static boolean isSection(String key) {
        for (ConfigKeys.Key k : ConfigKeys.ALL) {
            if (k.name().startsWith(key + ".")) {
                return true;
            }
        }
        return false;
    }
}
