package io.mqttcluster.faults.cluster;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this machine lets the harness do, found by trying: network namespaces, {@code ss -K}, iptables. */
public final class Capabilities {

    private Capabilities() {
    }

    /**
     * Whether {@code ss -K} really destroys a TCP connection here (it needs root and a kernel with
     * CONFIG_INET_DIAG_DESTROY; without it ss prints the sockets and leaves them alone).
     */
    public static boolean ssKillWorks() {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            Shell.Result r = Shell.run(java.util.List.of("ss", "-K", "-t", "-n",
                    "( sport = :" + server.getLocalPort() + " and dport = :" + accepted.getPort() + " )"), 10);
            if (!r.ok()) {
                return false;
            }
            client.setSoTimeout(2000);
            InputStream in = client.getInputStream();
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // connection reset: destroyed
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether an iptables binary answers here. */
    public static boolean iptablesWorks() {
        for (String dir : new String[]{"/usr/sbin/iptables", "/sbin/iptables"}) {
            if (Files.isExecutable(Path.of(dir))) {
                return Shell.run("iptables", "-L", "INPUT", "-n").ok();
            }
        }
        return false;
    }
}
