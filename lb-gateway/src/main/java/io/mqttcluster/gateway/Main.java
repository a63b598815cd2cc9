package io.mqttcluster.gateway;

import io.mqttcluster.gateway.config.ConfigException;
import io.mqttcluster.gateway.config.ConfigLoader;
import io.mqttcluster.gateway.config.GatewayOptions;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.Security;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command line entry point: reads the configuration (YAML file, then {@code GATEWAY_*} environment
 * variables, then flags), starts a {@link Gateway}, prints
 * {@code gateway_listening mqtt_port=N http_port=N} on stdout, and runs until the JVM is told to
 * stop. Exit codes: 2 for a bad flag or configuration key (the message names it), 1 when start-up
 * fails otherwise.
 */
@Command(name = "lb-gateway", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = "MQTT TCP gateway: reads each client's CONNECT, hashes the client id to a broker node "
                + "(rendezvous hashing over the healthy nodes) and splices the connection to it.",
        footer = {"", "Any key can also be set in the YAML file (--config) or as an environment variable "
                + "GATEWAY_<KEY> (upper case, '.' and '-' as '_'), e.g. GATEWAY_LIMITS_MAX_CONNECTIONS=5000.",
                "Precedence: flags > environment > file > defaults."})
public final class Main implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Option(names = "--port", paramLabel = "N", description = "MQTT listening port (default 1883; 0 = any free port)")
    Integer port;

    @Option(names = "--http-port", paramLabel = "N", description = "HTTP port for /metrics, /health/*, /nodes (default 8090; 0 = any free port)")
    Integer httpPort;

    @Option(names = "--bind-address", paramLabel = "ADDR", description = "address of both listeners (default 0.0.0.0)")
    String bindAddress;

    @Option(names = "--nodes", paramLabel = "LIST", description = "static nodes: host:mqttPort[:httpPort],...")
    String nodes;

    @Option(names = "--dns-name", paramLabel = "NAME", description = "DNS name whose A records are the nodes (headless Service)")
    String dnsName;

    @Option(names = "--node-mqtt-port", paramLabel = "N", description = "MQTT port of DNS nodes / static nodes without one (default 1883)")
    Integer nodeMqttPort;

    @Option(names = "--node-http-port", paramLabel = "N", description = "health HTTP port of DNS nodes / static nodes without one (default 0 = TCP check)")
    Integer nodeHttpPort;

    @Option(names = "--proxy-protocol", description = "send a PROXY protocol v2 header to the nodes")
    boolean proxyProtocol;

    @Option(names = "--rebalance", description = "move clients to a node that joins (rebalance.enabled=true)")
    boolean rebalance;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "set any configuration key; repeatable")
    Map<String, String> set = new LinkedHashMap<>();

    private Map<String, String> env = System.getenv();
    private PrintStream out = System.out;
    private PrintStream err = System.err;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean block = true;

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err, true));
    }

    /**
     * Runs the command; returns the exit code. With {@code block} false it returns 0 right after a
     * successful start (the gateway keeps running until the JVM stops).
     */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, boolean block) {
        Main main = new Main();
        main.env = env;
        main.out = out;
        main.err = err;
        main.block = block;
        CommandLine cl = new CommandLine(main);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        GatewayOptions options;
        try {
            options = ConfigLoader.load(config, env, flags());
        } catch (ConfigException e) {
            err.println("lb-gateway: " + e.getMessage());
            return 2;
        }
        // Re-resolve DNS names for real every interval (the JVM would cache answers for 30 s).
        Security.setProperty("networkaddress.cache.ttl", "1");
        Security.setProperty("networkaddress.cache.negative.ttl", "1");
        Gateway gateway = new Gateway(options);
        try {
            gateway.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            err.println("lb-gateway: start-up failed: " + cause.getMessage());
            gateway.stop();
            return 1;
        }
        out.println("gateway_listening mqtt_port=" + gateway.mqttPort() + " http_port=" + gateway.httpPort()
                + (gateway.tlsPort() > 0 ? " tls_port=" + gateway.tlsPort() : ""));
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                gateway.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // shutting down anyway
            } finally {
                stopped.countDown();
            }
        }, "gateway-shutdown"));
        if (block) {
            stopped.await();
        }
        return 0;
    }

    private Map<String, Object> flags() {
        Map<String, Object> f = new LinkedHashMap<>();
        put(f, "port", port);
        put(f, "http-port", httpPort);
        if (bindAddress != null) {
            f.put("bind-address", bindAddress);
            f.put("http-bind-address", bindAddress);
        }
        put(f, "nodes", nodes);
        put(f, "dns.name", dnsName);
        put(f, "node-mqtt-port", nodeMqttPort);
        put(f, "node-http-port", nodeHttpPort);
        if (proxyProtocol) {
            f.put("proxy-protocol", true);
        }
        if (rebalance) {
            f.put("rebalance.enabled", true);
        }
        f.putAll(set); // unknown keys are refused by ConfigLoader, by name
        return f;
    }

    private static void put(Map<String, Object> f, String key, Object value) {
        if (value != null) {
            f.put(key, value);
        }
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"lb-gateway " + (v == null ? "dev" : v)};
        }
    }
}
