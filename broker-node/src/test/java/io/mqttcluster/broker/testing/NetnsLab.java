package io.mqttcluster.broker.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Hosts on one machine for partition tests: each node in its own network namespace with its own address
 * (10.77.0.1N), all joined by a bridge in the root namespace, where the test itself runs. Cutting a node's
 * link partitions it from every other node and from the test. Created and removed by the test; needs
 * root and iproute2.
 */
public final class NetnsLab implements AutoCloseable {

    private final String tag = UUID.randomUUID().toString().substring(0, 4);
    private final String bridge = "mqb" + tag;
    private final int hosts;
    private boolean bridgeCreated;
    private final List<String> namespaces = new ArrayList<>();

    private NetnsLab(int hosts) {
        this.hosts = hosts;
    }

    /** Why this machine cannot run the lab, or null when it can. */
    public static String unavailableReason() {
        try {
            if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))) {
                return "iproute2 (ip) is not installed";
            }
            Process id = new ProcessBuilder("id", "-u").start();
            String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!"0".equals(uid)) {
                return "network namespaces need root";
            }
            String probe = "mqprobe" + UUID.randomUUID().toString().substring(0, 4);
            if (run("ip", "netns", "add", probe) != 0) {
                return "cannot create network namespaces here (ip netns add failed)";
            }
            run("ip", "netns", "del", probe);
            return null;
        } catch (Exception e) {
            return "cannot probe network namespaces: " + e;
        }
    }

    public static NetnsLab create(int hosts) throws Exception {
        NetnsLab lab = new NetnsLab(hosts);
        try {
            lab.check("ip", "link", "add", lab.bridge, "type", "bridge");
            lab.bridgeCreated = true;
            lab.check("ip", "addr", "add", "10.77.0.1/24", "dev", lab.bridge);
            lab.check("ip", "link", "set", lab.bridge, "up");
            for (int i = 1; i <= hosts; i++) {
                String ns = lab.namespace(i);
                lab.check("ip", "netns", "add", ns);
                lab.namespaces.add(ns);
                String inside = "mqv" + lab.tag + i;
                String outside = inside + "p";
                lab.check("ip", "link", "add", inside, "type", "veth", "peer", "name", outside);
                lab.check("ip", "link", "set", inside, "netns", ns);
                lab.check("ip", "netns", "exec", ns, "ip", "addr", "add", address(i) + "/24", "dev", inside);
                lab.check("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up");
                lab.check("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
                lab.check("ip", "link", "set", outside, "master", lab.bridge);
                lab.check("ip", "link", "set", outside, "up");
            }
        } catch (Exception e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    public static String address(int host) {
        return "10.77.0.1" + host;
    }

    public String namespace(int host) {
        return "mqn" + tag + host;
    }

    /** Cuts a host off the bridge (its link goes down): it can reach nobody and nobody reaches it. */
    public void cut(int host) throws Exception {
        check("ip", "link", "set", "mqv" + tag + host + "p", "down");
    }

    public void heal(int host) throws Exception {
        check("ip", "link", "set", "mqv" + tag + host + "p", "up");
    }

    /** A command line run inside a host's namespace. */
    public List<String> inside(int host, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(host)));
        cmd.addAll(command);
        return cmd;
    }

    /** Runs a command inside a host's namespace; returns its exit code and output. */
    public Result exec(int host, String... command) throws Exception {
        Process p = new ProcessBuilder(inside(host, List.of(command))).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timeout");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    public record Result(int exit, String output) {
    }

    private void check(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Override
    public void close() throws Exception {
        for (String ns : namespaces) {
            run("ip", "netns", "del", ns); // removes the veth pair with it
        }
        if (bridgeCreated) {
            run("ip", "link", "del", bridge);
        }
    }

    public int hosts() {
        return hosts;
    }
}
