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

    /** Which process owns a lab: a file per tag holding the PID of the test JVM that created it. */
    private static final Path MARKERS = Path.of("/run/mqtt-cluster-netns");

    /** A test JVM that ends without closing its lab (a fork timeout's SIGTERM) still removes it. */
    private final Thread cleanUpOnExit = new Thread(this::removeLinks, "netns-lab-cleanup");

    private NetnsLab(int hosts) {
        this.hosts = hosts;
    }

    /**
     * Removes the labs of test JVMs that are gone (killed before they could remove theirs): their bridge holds
     * the same address as a new one would, and the next partition test would fail on it.
     */
    static void removeStaleLabs() throws Exception {
        List<String> tags = new ArrayList<>();
        for (String line : output("ip", "-o", "link", "show", "type", "bridge").split("\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\d+: mqb([0-9a-f]{4})[:@]").matcher(line);
            if (m.find()) {
                tags.add(m.group(1));
            }
        }
        for (String line : output("ip", "netns", "list").split("\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^mqn([0-9a-f]{4})\\d").matcher(line);
            if (m.find() && !tags.contains(m.group(1))) {
                tags.add(m.group(1));
            }
        }
        for (String tag : tags) {
            if (ownerAlive(tag)) {
                continue;
            }
            run("ip", "link", "del", "mqb" + tag);
            for (String line : output("ip", "netns", "list").split("\n")) {
                String ns = line.split(" ")[0];
                if (ns.startsWith("mqn" + tag)) {
                    run("ip", "netns", "del", ns);
                }
            }
            Files.deleteIfExists(MARKERS.resolve(tag));
        }
    }

    private static boolean ownerAlive(String tag) {
        try {
            long pid = Long.parseLong(Files.readString(MARKERS.resolve(tag)).trim());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false; // no marker: made before markers existed, or by a JVM that is gone
        }
    }

    private static String output(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(20, TimeUnit.SECONDS);
        return out;
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
        removeStaleLabs();
        NetnsLab lab = new NetnsLab(hosts);
        Files.createDirectories(MARKERS);
        Files.writeString(MARKERS.resolve(lab.tag), Long.toString(ProcessHandle.current().pid()));
        Runtime.getRuntime().addShutdownHook(lab.cleanUpOnExit);
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
        removeLinks();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanUpOnExit);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is already exiting, or the hook was never added
        }
        Files.deleteIfExists(MARKERS.resolve(tag));
    }

    private synchronized void removeLinks() {
        try {
            for (String ns : namespaces) {
                run("ip", "netns", "del", ns); // removes the veth pair with it
            }
            namespaces.clear();
            if (bridgeCreated) {
                run("ip", "link", "del", bridge);
                bridgeCreated = false;
            }
        } catch (Exception e) {
            // best effort; the next lab removes what is left (removeStaleLabs)
        }
    }

    public int hosts() {
        return hosts;
    }
}
