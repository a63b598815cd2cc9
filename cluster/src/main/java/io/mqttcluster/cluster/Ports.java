package io.mqttcluster.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for a port configured as 0 that must be known before binding (a Hazelcast member list),
 * and for tests. They are picked below the kernel's ephemeral range (32768 and up on Linux), so an outgoing
 * connection cannot take one between the pick and the bind, and at random, so parallel runs rarely meet.
 */
public final class Ports {

    private static final int LOW = 20_000;
    private static final int HIGH = 32_768;

    private Ports() {
    }

    /** {@code count} distinct ports, each free at the moment it was checked (all held open at once). */
    public static List<Integer> pickFree(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>(count);
        try {
            for (int attempt = 0; held.size() < count && attempt < 10_000; attempt++) {
                int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
                ServerSocket s = new ServerSocket();
                try {
                    s.setReuseAddress(false);
                    s.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port));
                    held.add(s);
                } catch (IOException taken) {
                    s.close();
                }
            }
            if (held.size() < count) {
                throw new IOException("no " + count + " free ports between " + LOW + " and " + HIGH);
            }
            return held.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    public static int pickFree() throws IOException {
        return pickFree(1).get(0);
    }
}
