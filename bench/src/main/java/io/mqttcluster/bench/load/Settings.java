package io.mqttcluster.bench.load;

import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.client.SourceAddresses;
import io.mqttcluster.bench.codec.MqttVersion;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The resolved settings of one load run (what the command line said, with defaults applied). Plain fields. */
public final class Settings {
    // connections
    public List<Endpoint> pubHosts;
    public List<Endpoint> subHosts;
    public MqttVersion version = MqttVersion.V3_1_1;
    public String clientPrefix = "bench-";
    public boolean cleanSession = true;
    public int keepAliveSeconds = 60;
    public String username;
    public String password;
    public int threads = 1;
    public String transport = "auto";
    public SourceAddresses sourceAddresses = SourceAddresses.none();
    /** Connection attempts per second (0 = as fast as the pending limit allows). */
    public double connectRate;
    public int maxPendingConnects = 100;
    public int connectTimeoutMillis = 10_000;
    public int connectRetries = 3;
    public long sessionExpirySeconds = 3600;

    // load
    public int qos;
    public int size = 64;
    /** Messages per second in total (0 = as fast as the windows allow). */
    public double rate;
    /** Closed-loop window in messages (0 = none). */
    public long window = 1000;
    public long windowStallMillis = 5000;
    public int inflight = 32;
    public Duration duration = Duration.ofSeconds(10);
    public Duration warmup = Duration.ofSeconds(2);
    public Duration drain = Duration.ofSeconds(5);
    /** Messages per publisher (0 = until the duration ends). */
    public long count;
    public boolean retain;

    // output
    public PrintStream progress = System.err;
    public Map<String, String> tags = new LinkedHashMap<>();
}
