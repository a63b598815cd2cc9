package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.load.Settings;
import io.mqttcluster.bench.measure.Payload;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Duration;

/** What the publishers send and how fast; shared by the load scenarios. */
public final class LoadOptions {
    @Option(names = {"-q", "--qos"}, defaultValue = "0", description = "QoS of publishes and subscriptions: 0, 1 or 2 (default: ${DEFAULT-VALUE}).")
    int qos;

    @Option(names = {"-s", "--size"}, defaultValue = "64", paramLabel = "BYTES",
            description = "Payload size, at least " + Payload.HEADER_SIZE + " (the measurement header) (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = {"-r", "--rate"}, defaultValue = "0", paramLabel = "MSG/S",
            description = "Total publish rate over all publishers; 0 = as fast as the windows allow (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = {"-w", "--window"}, defaultValue = "1000", paramLabel = "MESSAGES",
            description = "Closed loop: at most this many messages sent and not yet received by all their subscribers, "
                    + "in total; 0 = open loop (default: ${DEFAULT-VALUE}).")
    long window;

    @Option(names = "--window-stall", defaultValue = "5s", converter = DurationConverter.class,
            description = "A full window with no delivery for this long is forgiven (lost messages) and counted as a stall (default: ${DEFAULT-VALUE}).")
    Duration windowStall;

    @Option(names = "--inflight", defaultValue = "32",
            description = "QoS 1/2 messages per publisher awaiting PUBACK/PUBCOMP (default: ${DEFAULT-VALUE}).")
    int inflight;

    @Option(names = {"-d", "--duration"}, defaultValue = "10s", converter = DurationConverter.class,
            description = "Measured sending time, after the warm-up (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.class,
            description = "Sending time before the measurement starts, excluded from rates and latency (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--drain", defaultValue = "5s", converter = DurationConverter.class,
            description = "After sending stops, wait at most this long for outstanding messages and acks; what has not "
                    + "arrived then is lost (default: ${DEFAULT-VALUE}).")
    Duration drain;

    @Option(names = {"-n", "--count"}, defaultValue = "0",
            description = "Messages per publisher; sending ends when all are sent or the duration is over; 0 = no limit (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--topic-root", paramLabel = "TOPIC",
            description = "Topic prefix of the scenario's topics (default: bench/XXXX with the run's random XXXX).")
    String topicRoot;

    String root() {
        return topicRoot != null ? topicRoot : "bench/" + RunId.VALUE;
    }

    void validate(CommandSpec spec) {
        if (qos < 0 || qos > 2) {
            throw new ParameterException(spec.commandLine(), "--qos must be 0, 1 or 2");
        }
        if (size < Payload.HEADER_SIZE) {
            throw new ParameterException(spec.commandLine(), "--size must be at least " + Payload.HEADER_SIZE
                    + " bytes (the header: magic, publisher index, sequence number, send time)");
        }
        if (size > 256 * 1024 * 1024) {
            throw new ParameterException(spec.commandLine(), "--size must be below 256 MB");
        }
        if (inflight < 1 || inflight > 65535) {
            throw new ParameterException(spec.commandLine(), "--inflight must be 1..65535");
        }
        if (rate < 0 || window < 0 || count < 0) {
            throw new ParameterException(spec.commandLine(), "--rate, --window and --count must not be negative");
        }
    }

    void applyTo(Settings s) {
        s.qos = qos;
        s.size = size;
        s.rate = rate;
        s.window = window;
        s.windowStallMillis = windowStall.toMillis();
        s.inflight = inflight;
        s.duration = duration;
        s.warmup = warmup;
        s.drain = drain;
        s.count = count;
    }
}
