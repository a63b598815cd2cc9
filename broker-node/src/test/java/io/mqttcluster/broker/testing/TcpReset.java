package io.mqttcluster.broker.testing;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Resets TCP connections the way a flaky network or a restarted middlebox does: {@code ss -K} destroys the
 * sockets in the kernel and the peers get a RST. Needs root and a kernel with CONFIG_INET_DIAG_DESTROY.
 */
public final class TcpReset {

    private TcpReset() {
    }

    /** Whether {@code ss -K} really destroys a connection on this machine (tried on a loopback pair). */
    public static boolean works() {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket ignored = server.accept()) {
            client.setSoTimeout(2000);
            return port(server.getLocalPort()) > 0 && client.getInputStream().read() < 0;
        } catch (SocketException e) {
            return true; // reset: destroyed
        } catch (Exception e) {
            return false; // ss failed, or the connection stayed open (read timed out)
        }
    }

    /** Resets every TCP connection from or to local port {@code port}; how many sockets were destroyed. */
    public static int port(int port) throws Exception {
        int n = run("( sport = :" + port + " or dport = :" + port + " )");
        if (n < 0) {
            throw new IllegalStateException("ss -K failed for port " + port);
        }
        return n;
    }

    private static int run(String filter) throws Exception {
        Process p = new ProcessBuilder(List.of("ss", "-K", "-t", "-n", filter)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            return -1;
        }
        return (int) out.lines().filter(l -> !l.isBlank() && !l.startsWith("State")).count();
    }
}
