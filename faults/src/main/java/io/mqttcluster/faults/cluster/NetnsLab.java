package io.mqttcluster.faults.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Hosts for the nodes on one machine: each node in its own network namespace with its own address on a bridge
 * in the root namespace, where the harness and its clients run. Names and the /24 subnet are unique per run.
 * A node's link can be cut (it is alone: nodes and clients cannot reach it), and two nodes can be kept apart
 * while both still reach the third (blackhole routes inside their namespaces, no iptables needed).
 * {@link #close()} removes everything and may be called more than once (also from a shutdown hook).
 */
public final class NetnsLab implements AutoCloseable {

    private final String tag = UUID.randomUUID().toString().substring(0, 4);
    private final String bridge = "fhb" + tag;
    private final int subnet;
    private final int hosts;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> blackholes = new ArrayList<>();
    private boolean bridgeCreated;
    private boolean closed;

    private NetnsLab(int hosts, int subnet) {
        this.hosts = hosts;
        this.subnet = subnet;
    }

    /** Why this machine cannot run the lab (not root, no iproute2, no namespaces), or null when it can. */
    public static String unavailableReason() {
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
                && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
            return "iproute2 (ip) is not installed";
        }
        Shell.Result id = Shell.run("id", "-u");
        if (!id.ok() || !id.output().trim().equals("0")) {
            return "network namespaces need root";
        }
        String probe = "fhprobe" + UUID.randomUUID().toString().substring(0, 4);
        if (!Shell.run("ip", "netns", "add", probe).ok()) {
            return "cannot create network namespaces here (ip netns add failed)";
        }
        Shell.run("ip", "netns", "del", probe);
        return null;
    }

    public static NetnsLab create(int hosts) throws IOException {
        String used = Shell.run("ip", "-4", "addr", "show").output();
        Random r = new Random();
        int subnet = -1;
        for (int i = 0; i < 50 && subnet < 0; i++) {
            int candidate = 1 + r.nextInt(250);
            if (!used.contains("10.79." + candidate + ".")) {
                subnet = candidate;
            }
        }
        if (subnet < 0) {
            throw new IOException("no free 10.79.x.0/24 subnet");
        }
        NetnsLab lab = new NetnsLab(hosts, subnet);
        try {
            Shell.check("ip", "link", "add", lab.bridge, "type", "bridge");
            lab.bridgeCreated = true;
            Shell.check("ip", "addr", "add", lab.prefix() + "1/24", "dev", lab.bridge);
            Shell.check("ip", "link", "set", lab.bridge, "up");
            for (int i = 1; i <= hosts; i++) {
                String ns = lab.namespace(i);
                Shell.check("ip", "netns", "add", ns);
                lab.namespaces.add(ns);
                String inside = "fhv" + lab.tag + i;
                String outside = inside + "p";
                Shell.check("ip", "link", "add", inside, "type", "veth", "peer", "name", outside);
                Shell.check("ip", "link", "set", inside, "netns", ns);
                Shell.check("ip", "netns", "exec", ns, "ip", "addr", "add", lab.address(i) + "/24", "dev", inside);
                Shell.check("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up");
                Shell.check("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
                Shell.check("ip", "link", "set", outside, "master", lab.bridge);
                Shell.check("ip", "link", "set", outside, "up");
            }
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private String prefix() {
        return "10.79." + subnet + ".";
    }

    /** Address of host i (1-based). */
    public String address(int host) {
        return prefix() + (10 + host);
    }

    public String namespace(int host) {
        return "fhn" + tag + host;
    }

    public String describe() {
        return "bridge " + bridge + " " + prefix() + "0/24, namespaces " + String.join(",", namespaces);
    }

    /** Cuts a host off the bridge: it reaches nobody and nobody reaches it. */
    public void cut(int host) throws IOException {
        Shell.check("ip", "link", "set", "fhv" + tag + host + "p", "down");
    }

    public void heal(int host) throws IOException {
        Shell.check("ip", "link", "set", "fhv" + tag + host + "p", "up");
    }

    /** Hosts a and b stop reaching each other (both still reach every other host and the clients). */
    public void separate(int a, int b) throws IOException {
        Shell.check("ip", "netns", "exec", namespace(a), "ip", "route", "add", "blackhole", address(b) + "/32");
        blackholes.add(a + ":" + b);
        Shell.check("ip", "netns", "exec", namespace(b), "ip", "route", "add", "blackhole", address(a) + "/32");
        blackholes.add(b + ":" + a);
    }

    public void rejoin(int a, int b) {
        for (int[] p : new int[][]{{a, b}, {b, a}}) {
            if (blackholes.remove(p[0] + ":" + p[1])) {
                Shell.run("ip", "netns", "exec", namespace(p[0]), "ip", "route", "del", "blackhole", address(p[1]) + "/32");
            }
        }
    }

    /** Every link up and every blackhole route gone (the end of a run). */
    public void healAll() {
        for (int i = 1; i <= hosts; i++) {
            Shell.run("ip", "link", "set", "fhv" + tag + i + "p", "up");
        }
        for (String pair : new ArrayList<>(blackholes)) {
            String[] p = pair.split(":");
            rejoin(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
        }
    }

    /** A command line run inside host i's namespace. */
    public List<String> inside(int host, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(host)));
        cmd.addAll(command);
        return cmd;
    }

    public Shell.Result exec(int host, String... command) {
        return Shell.run(inside(host, List.of(command)), 20);
    }

    public int hosts() {
        return hosts;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (String ns : namespaces) {
            Shell.run("ip", "netns", "del", ns); // removes the veth pair and routes with it
        }
        if (bridgeCreated) {
            Shell.run("ip", "link", "del", bridge);
        }
    }
}
