package io.mqttcluster.cluster.forward;

import java.util.concurrent.atomic.LongAdder;

/** The counters of one {@link ClusterBus}, shared by its sending and receiving sides; any thread. */
final class BusCounters {
    /** DATA frames written again on a new connection because the old one dropped before they were acknowledged. */
    final LongAdder resent = new LongAdder();
    /** DATA frames the receiving side dropped because it had processed their sequence already. */
    final LongAdder duplicates = new LongAdder();
    /** One-way sends refused because the peer's unacknowledged bytes were at the cap. */
    final LongAdder refused = new LongAdder();
    /** Handshakes refused because the peer did not prove the cluster secret (either side), or asked for one we lack. */
    final LongAdder authFailures = new LongAdder();
    /** Sends refused because the frame was above {@link ClusterBusOptions#maxFrameBytes}. */
    final LongAdder oversize = new LongAdder();
    /** Lines about refused handshakes and bad frames on unauthenticated connections: one per 10 s. */
    final RateLimitedLog refusalLog = new RateLimitedLog(10, java.util.concurrent.TimeUnit.SECONDS);
}
