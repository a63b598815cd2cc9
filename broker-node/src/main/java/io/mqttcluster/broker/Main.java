package io.mqttcluster.broker;

import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.config.ConfigException;
import io.mqttcluster.broker.config.ConfigLoader;
import io.mqttcluster.broker.config.Setting;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code java -jar broker-node.jar [--config FILE] [--mqtt-port N] [--http-port N] ...}: starts a node.
 * Exit code 2 for a configuration error (the message names the key), 1 for a failure to start.
 */
public final class Main {

    /** Flags for the common keys; every key can also be set with {@code --set key=value}. */
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("--mqtt-port", "mqtt.port"),
            Map.entry("--mqtt-host", "mqtt.host"),
            Map.entry("--http-port", "http.port"),
            Map.entry("--http-host", "http.host"),
            Map.entry("--node-name", "node.name"),
            Map.entry("--cluster-name", "cluster.name"),
            Map.entry("--cluster-host", "cluster.host"),
            Map.entry("--cluster-port", "cluster.port"),
            Map.entry("--cluster-members", "cluster.members"),
            Map.entry("--cluster-size", "cluster.size"),
            Map.entry("--kubernetes-service-dns", "cluster.kubernetes-service-dns"),
            Map.entry("--proxy-protocol", "mqtt.proxy-protocol"));

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("passwd")) {
            int code = io.mqttcluster.broker.auth.PasswdCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length),
                    System.console(), System.in, System.out, System.err);
            System.exit(code);
            return;
        }
        if (args.length > 0 && args[0].equals("ctl")) {
            System.exit(io.mqttcluster.broker.ctl.Ctl.run(java.util.Arrays.copyOfRange(args, 1, args.length),
                    System.getenv(), System.out, System.err));
            return;
        }
        // Hazelcast runs some callbacks on the common pool, and with a parallelism below 2 (machines with
        // fewer than three cores) on a new thread per callback instead; set before anything touches the pool
        if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
            System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism",
                    String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors())));
        }
        BrokerConfig config;
        try {
            config = parse(args);
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("run with --help for the options");
            System.exit(2);
            return;
        }
        if (config == null) {
            return; // --help or --version
        }
        BrokerNode node;
        try {
            node = BrokerNode.start(config);
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage()); // a file named by the configuration is bad
            System.exit(2);
            return;
        } catch (Exception e) {
            System.err.println("error: the node did not start: " + e);
            System.exit(1);
            return;
        }
        System.out.println("broker_listening node=" + config.nodeName() + " mqtt_port=" + node.mqttPort()
                + " http_port=" + node.httpPort());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(node::stop, "shutdown"));
    }

    static BrokerConfig parse(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--help", "-h" -> {
                    System.out.println(help());
                    return null;
                }
                case "--config-reference" -> {
                    System.out.println(configReference());
                    return null;
                }
                case "--version" -> {
                    System.out.println("mqtt-cluster broker-node " + version());
                    return null;
                }
                case "--config" -> {
                    file = Path.of(value != null ? value : next(args, ++i, a));
                    if (!Files.isReadable(file)) {
                        throw new ConfigException("--config", "cannot read " + file);
                    }
                }
                case "--set" -> {
                    String kv = value != null ? value : next(args, ++i, a);
                    int e = kv.indexOf('=');
                    if (e <= 0) {
                        throw new ConfigException("--set", "expects key=value");
                    }
                    flags.put(kv.substring(0, e), kv.substring(e + 1));
                }
                case "--proxy-protocol" -> flags.put("mqtt.proxy-protocol", value != null ? value : "true");
                default -> {
                    String key = FLAGS.get(a);
                    if (key == null) {
                        throw new ConfigException(a, "unknown option");
                    }
                    flags.put(key, value != null ? value : next(args, ++i, a));
                }
            }
        }
        return ConfigLoader.load(flags, System.getenv(), file);
    }

    private static String next(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new ConfigException(flag, "needs a value");
        }
        return args[i];
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The configuration keys as a markdown table (docs/configuration.md's reference is this output). */
    static String configReference() {
        StringBuilder b = new StringBuilder();
        b.append("| Key | Default | Environment variable | Meaning |\n|---|---|---|---|\n");
        for (Setting s : BrokerConfig.SETTINGS) {
            b.append("| `").append(s.key()).append("` | ").append(s.defaultValue().isEmpty() ? "" : "`" + s.defaultValue() + "`")
                    .append(" | `").append(s.envName()).append("` | ").append(s.description()).append(" |\n");
        }
        return b.toString();
    }

    static String help() {
        StringBuilder b = new StringBuilder();
        b.append("mqtt-cluster broker node ").append(version()).append("\n\n");
        b.append("Usage: java -jar broker-node.jar [options]\n");
        b.append("       java -jar broker-node.jar passwd [-b|-D] FILE USER [PASSWORD]   (see passwd --help)\n");
        b.append("       java -jar broker-node.jar ctl COMMAND ...   admin API client (see ctl --help)\n\n");
        b.append("Options:\n");
        b.append("  --config FILE              YAML configuration file\n");
        b.append("  --mqtt-port N              MQTT port (default 1883; 0 picks a free port)\n");
        b.append("  --http-port N              HTTP port for /metrics and /health (default 8080; 0 picks one)\n");
        b.append("  --node-name NAME           node name\n");
        b.append("  --cluster-port N           cluster (Hazelcast) port (default 5701)\n");
        b.append("  --cluster-members H:P,...  static cluster member list\n");
        b.append("  --cluster-size N           expected number of nodes (quorum = majority)\n");
        b.append("  --kubernetes-service-dns N find members through this headless Service\n");
        b.append("  --proxy-protocol           expect PROXY protocol headers (behind lb-gateway)\n");
        b.append("  --set KEY=VALUE            any configuration key\n");
        b.append("  --config-reference         print the configuration keys as a markdown table\n");
        b.append("  --help, --version\n\n");
        b.append("Every key can also be set in the YAML file or with an environment variable.\n");
        b.append("Configuration keys (default):\n");
        for (Setting s : BrokerConfig.SETTINGS) {
            b.append(String.format("  %-34s %-14s %s%n", s.key(), s.defaultValue().isEmpty() ? "\"\"" : s.defaultValue(),
                    s.envName()));
        }
        return b.toString();
    }
}
