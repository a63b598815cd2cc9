package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.client.SourceAddresses;
import io.mqttcluster.bench.codec.MqttVersion;
import io.mqttcluster.bench.report.RunResult;
import io.mqttcluster.bench.scenario.ConnScenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "conn", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Connections: open N connections at --rate per second, hold them for --hold, close them.",
                "Reports the connect rate, CONNACK latency, failures and drops, and with --broker-pid the broker's "
                        + "resident memory (VmRSS) before and after, per connection.",
                "Connections are bound round-robin to --source-ips so that many fit on loopback. One process may open "
                        + "at most its open-file limit (ulimit -n) of sockets: the command refuses more up front."})
final class ConnCommand implements Callable<Integer>, BenchCommand.ResultHolder {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Broker host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "1883", description = "Broker port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--hosts", paramLabel = "H:P,...", description = "Brokers, round-robin (overrides --host/--port).")
    String hosts;

    @Option(names = {"-c", "--connections"}, defaultValue = "1000", description = "Connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = {"-r", "--rate"}, defaultValue = "1000", paramLabel = "CONN/S",
            description = "New connections per second; 0 = as fast as --max-pending allows (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--max-pending", defaultValue = "100",
            description = "Attempts awaiting CONNACK at once; more than the broker's listen backlog (often 100) overflows it "
                    + "and costs 1 s SYN retransmits (default: ${DEFAULT-VALUE}).")
    int maxPending;

    @Option(names = "--hold", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long to hold the connections once all are up (default: ${DEFAULT-VALUE}).")
    Duration hold;

    @Option(names = "--broker-pid", defaultValue = "-1", paramLabel = "PID",
            description = "Broker process to sample VmRSS of (from /proc/PID/status).")
    long brokerPid;

    @Option(names = "--source-ips", defaultValue = "127.0.0.2-127.0.0.50", paramLabel = "RANGE",
            description = "Local addresses to bind to, round-robin (loopback brokers only); 'none' to not bind (default: ${DEFAULT-VALUE}).")
    String sourceIps;

    @Option(names = "--subscribe", paramLabel = "FILTER",
            description = "Each connection subscribes to this filter once (%%i = connection index), QoS 0.")
    String subscribe;

    @Option(names = "--mqtt", defaultValue = "3.1.1", paramLabel = "3.1.1|5", description = "MQTT version (default: ${DEFAULT-VALUE}).")
    String mqtt;

    @Option(names = "--client-prefix", description = "Client id prefix (default: bench-XXXX-).")
    String clientPrefix;

    @Option(names = "--clean-session", arity = "1", defaultValue = "true", paramLabel = "true|false",
            description = "Clean session (default: ${DEFAULT-VALUE}).")
    boolean cleanSession;

    @Option(names = "--keepalive", defaultValue = "60", paramLabel = "SECONDS", description = "Keep-alive (default: ${DEFAULT-VALUE}).")
    int keepAlive;

    @Option(names = "--username", description = "User name for CONNECT.")
    String username;

    @Option(names = "--password", description = "Password for CONNECT.")
    String password;

    @Option(names = "--threads", defaultValue = "1", description = "Event-loop threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--transport", defaultValue = "auto", paramLabel = "auto|epoll|nio", description = "Socket transport (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--connect-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "TCP connect and CONNACK timeout (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Mixin
    OutputOptions output;

    private RunResult result;

    @Override
    public RunResult result() {
        return result;
    }

    @Override
    public Integer call() {
        ConnScenario.Options o = new ConnScenario.Options();
        o.hosts = hosts != null ? Endpoint.parseList(hosts, port) : List.of(new Endpoint(host, port));
        o.connections = connections;
        o.rate = rate;
        o.maxPending = maxPending;
        o.hold = hold;
        o.brokerPid = brokerPid;
        o.sourceAddresses = SourceAddresses.parse(sourceIps);
        o.subscribe = subscribe;
        o.version = MqttVersion.parse(mqtt);
        o.clientPrefix = clientPrefix != null ? clientPrefix : "bench-" + RunId.VALUE + "-";
        o.cleanSession = cleanSession;
        o.keepAliveSeconds = keepAlive;
        o.username = username;
        o.password = password;
        o.threads = threads;
        o.transport = transport;
        o.connectTimeoutMillis = (int) connectTimeout.toMillis();
        o.progress = output.progress();
        o.tags.putAll(output.tags);
        try {
            result = new ConnScenario(o).run();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        return output.finish(result, System.out);
    }
}
