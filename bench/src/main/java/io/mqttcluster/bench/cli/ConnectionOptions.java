package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.client.SourceAddresses;
import io.mqttcluster.bench.codec.MqttVersion;
import io.mqttcluster.bench.load.Settings;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;

/** Where and how clients connect; shared by the load scenarios. */
public final class ConnectionOptions {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Broker host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "1883", description = "Broker port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--hosts", paramLabel = "H:P,...",
            description = "Brokers for all clients, round-robin (overrides --host/--port).")
    String hosts;

    @Option(names = "--pub-hosts", paramLabel = "H:P,...",
            description = "Brokers for publishers, round-robin (default: --hosts, else --host:--port).")
    String pubHosts;

    @Option(names = "--sub-hosts", paramLabel = "H:P,...",
            description = "Brokers for subscribers, round-robin (default: --hosts, else --host:--port).")
    String subHosts;

    @Option(names = "--mqtt", defaultValue = "3.1.1", paramLabel = "3.1.1|5",
            description = "MQTT protocol version (default: ${DEFAULT-VALUE}).")
    String mqtt;

    @Option(names = "--client-prefix", paramLabel = "PREFIX",
            description = "Client id prefix (default: bench-XXXX- with a random XXXX per run).")
    String clientPrefix;

    @Option(names = "--clean-session", arity = "1", defaultValue = "true", paramLabel = "true|false",
            description = "Clean session (MQTT 5: clean start; false also sends --session-expiry) (default: ${DEFAULT-VALUE}).")
    boolean cleanSession;

    @Option(names = "--session-expiry", defaultValue = "3600", paramLabel = "SECONDS",
            description = "MQTT 5 session expiry interval sent with --clean-session false (default: ${DEFAULT-VALUE}).")
    long sessionExpiry;

    @Option(names = "--keepalive", defaultValue = "60", paramLabel = "SECONDS",
            description = "Keep-alive; idle clients send PINGREQ (default: ${DEFAULT-VALUE}).")
    int keepAlive;

    @Option(names = "--username", description = "User name for CONNECT.")
    String username;

    @Option(names = "--password", description = "Password for CONNECT.")
    String password;

    @Option(names = "--threads", defaultValue = "1",
            description = "Event-loop threads of the tool (default: ${DEFAULT-VALUE}; the broker shares the machine).")
    int threads;

    @Option(names = "--transport", defaultValue = "auto", paramLabel = "auto|epoll|nio",
            description = "Socket transport (default: ${DEFAULT-VALUE}: epoll when available).")
    String transport;

    @Option(names = "--source-ips", paramLabel = "RANGE",
            description = "Local addresses to bind to, round-robin, for loopback brokers, e.g. 127.0.0.2-127.0.0.50; "
                    + "'none' binds nothing (default: none; conn and fleet: 127.0.0.2-127.0.0.50).")
    String sourceIps;

    @Option(names = "--connect-rate", defaultValue = "0", paramLabel = "CONN/S",
            description = "Connection attempts per second while setting up (default: ${DEFAULT-VALUE} = as fast as "
                    + "--max-pending-connects allows).")
    double connectRate;

    @Option(names = "--max-pending-connects", defaultValue = "100",
            description = "Connection attempts awaiting CONNACK at once (default: ${DEFAULT-VALUE}).")
    int maxPendingConnects;

    @Option(names = "--connect-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "TCP connect and CONNACK timeout (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--connect-retries", defaultValue = "3",
            description = "Retries of a failed connection attempt before a client is given up (default: ${DEFAULT-VALUE}).")
    int connectRetries;

    String prefix() {
        return clientPrefix != null ? clientPrefix : "bench-" + RunId.VALUE + "-";
    }

    List<Endpoint> resolve(String specific) {
        if (specific != null) {
            return Endpoint.parseList(specific, port);
        }
        if (hosts != null) {
            return Endpoint.parseList(hosts, port);
        }
        return List.of(new Endpoint(host, port));
    }

    void applyTo(Settings s, String defaultSourceIps) {
        s.pubHosts = resolve(pubHosts);
        s.subHosts = resolve(subHosts);
        s.version = MqttVersion.parse(mqtt);
        s.clientPrefix = prefix();
        s.cleanSession = cleanSession;
        s.sessionExpirySeconds = sessionExpiry;
        s.keepAliveSeconds = keepAlive;
        s.username = username;
        s.password = password;
        s.threads = threads;
        s.transport = transport;
        s.sourceAddresses = SourceAddresses.parse(sourceIps != null ? sourceIps : defaultSourceIps);
        s.connectRate = connectRate;
        s.maxPendingConnects = maxPendingConnects;
        s.connectTimeoutMillis = (int) connectTimeout.toMillis();
        s.connectRetries = connectRetries;
    }
}
