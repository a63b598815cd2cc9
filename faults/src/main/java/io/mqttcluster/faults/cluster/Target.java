package io.mqttcluster.faults.cluster;

import io.mqttcluster.faults.client.Endpoint;

import java.util.List;

/** The system under test, as the harness drives it: where clients connect, whether it is steady, its processes. */
public interface Target extends AutoCloseable {

    /** One line: what runs where. */
    String describe();

    /** Starts every process and waits until it serves (and, for a cluster, until all members see each other). */
    void start() throws Exception;

    /** Where clients connect, in node order (one endpoint for a gateway or a single broker). */
    List<Endpoint> endpoints();

    /** Ready for the next fault: every process serving, every member sees all, backups in sync. */
    boolean steady();

    /** The broker processes (the nemesis targets), in node order. */
    List<NodeProcess> nodes();

    /** The /metrics text of node i, or null. */
    String metrics(int node);

    @Override
    void close();
}
