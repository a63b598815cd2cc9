package io.mqttcluster.faults.client;

import io.mqttcluster.faults.history.Event;
import io.mqttcluster.faults.history.History;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * An MQTT 3.1.1 client for the harness, with exact control of what goes on the wire. One driver thread owns all
 * its state: it connects (its home endpoint first, then the others), keeps the connection alive with pings,
 * notices a lost connection and reconnects with a short backoff, and carries out commands from the nemesis
 * (take the session over on another node, drop the connection). Each connection's reader thread only posts
 * packets to the inbox. Subclasses decide what to send ({@link Publisher}) or how to answer ({@link Subscriber}).
 */
public abstract class MqttTestClient {

    protected final String id;
    protected final boolean clean;
    protected final History history;
    protected final ClientSettings settings;
    private final List<Endpoint> endpoints;
    private final int home;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final Thread driver;
    /** Old connections left open on purpose by a takeover: conn -> when the new CONNECT was sent. */
    private final Map<Integer, Long> takenOver = new ConcurrentHashMap<>();
    private final Map<Integer, Connection> oldConnections = new ConcurrentHashMap<>();

    private Connection current;
    private int connCounter;
    private long pingSentAt = -1;
    private long lastPingAt;
    private long reconnectNotBefore;
    private int preferred = -1;
    private volatile boolean stopRequested;
    private volatile boolean connected;
    private volatile long connectedSince = -1;
    private volatile int established;

    private record TakeoverCommand(int endpoint) {
    }

    private record DropCommand() {
    }

    protected MqttTestClient(String id, boolean clean, List<Endpoint> endpoints, int home, History history,
                             ClientSettings settings) {
        this.id = id;
        this.clean = clean;
        this.endpoints = List.copyOf(endpoints);
        this.home = Math.floorMod(home, endpoints.size());
        this.history = history;
        this.settings = settings;
        this.driver = new Thread(this::drive, "client-" + id);
        this.driver.setDaemon(true);
    }

    public String id() {
        return id;
    }

    public boolean isClean() {
        return clean;
    }

    public void start() {
        driver.start();
    }

    /** True while a connection has its CONNACK and is in use. */
    public boolean isConnected() {
        return connected;
    }

    /** How many connections got CONNACK 0 so far. */
    public int established() {
        return established;
    }

    /** Run-clock time since when the current connection is up, or -1. */
    public long connectedSince() {
        return connectedSince;
    }

    /** Opens a second connection with this client id on endpoint {@code endpoint}; the broker must close the first. */
    public void takeover(int endpoint) {
        inbox.add(new TakeoverCommand(endpoint));
    }

    /** Drops the connection at once (a reset, no DISCONNECT); the client reconnects. */
    public void drop() {
        inbox.add(new DropCommand());
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** Sends DISCONNECT and ends the driver; waits at most {@code millis}. */
    public void stop(long millis) throws InterruptedException {
        stopRequested = true;
        driver.join(millis);
    }

    // --- for subclasses -------------------------------------------------------------------------------------

    /** A connection got CONNACK 0; the subclass resends, subscribes or starts over. */
    protected abstract void onConnected(int conn, boolean sessionPresent) throws IOException;

    /** A packet other than CONNACK and PINGRESP arrived on the current connection. */
    protected abstract void onPacket(int conn, Packet p, long t) throws IOException;

    /** The current connection is gone (already recorded). */
    protected abstract void onLost(int conn);

    /** Called about every 5 ms while connected: time to send. */
    protected abstract void tick(int conn, long now) throws IOException;

    /** Writes to the current connection; a failure loses the connection. */
    protected final void send(byte[] bytes) throws IOException {
        if (current == null) {
            throw new IOException("not connected");
        }
        current.write(bytes);
    }

    /** Gives the current connection up (recorded with the reason); reconnects after a backoff. */
    protected final void loseConnection(String reason) {
        if (current != null) {
            Connection c = current;
            lost(c, reason, history.now());
            c.close(true);
        }
    }

    protected final int currentConn() {
        return current == null ? -1 : current.id;
    }

    // --- the driver ------------------------------------------------------------------------------------------

    private void drive() {
        Deque<Object> deferred = new ArrayDeque<>();
        try {
            while (!stopRequested) {
                if (current == null) {
                    if (history.now() >= reconnectNotBefore) {
                        connectOnce(deferred);
                    }
                }
                Object o = deferred.isEmpty() ? inbox.poll(5, TimeUnit.MILLISECONDS) : deferred.poll();
                if (o != null) {
                    handle(o);
                }
                long now = history.now();
                checkTakeovers(now);
                if (current != null) {
                    keepAlive(now);
                }
                if (current != null) {
                    try {
                        tick(current.id, now);
                    } catch (IOException e) {
                        loseConnection("write-failed");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            history.note("client_crashed", id, e.toString());
        } finally {
            if (current != null) {
                try {
                    current.write(MqttCodec.disconnect());
                } catch (IOException ignored) {
                    // it is going anyway
                }
                Connection c = current;
                lost(c, "stopped", history.now());
                c.close(false);
            }
            for (Connection c : oldConnections.values()) {
                c.close(true);
            }
        }
    }

    private void handle(Object o) {
        long now = history.now();
        if (o instanceof Connection.Incoming in) {
            if (current != null && in.conn() == current.id) {
                Packet p = in.packet();
                if (p.type() == Packet.PINGRESP) {
                    if (pingSentAt >= 0) {
                        history.add(new Event.Alive(in.t(), id, in.conn(), pingSentAt));
                        pingSentAt = -1;
                    }
                    return;
                }
                try {
                    onPacket(in.conn(), p, in.t());
                } catch (IOException e) {
                    loseConnection("write-failed");
                }
            } else if (takenOver.containsKey(in.conn()) && in.packet().type() == Packet.PUBLISH) {
                Payload m = Payload.decode(in.packet().payload());
                history.note("ignored_on_old_connection", id, "conn=" + in.conn() + ",qos=" + in.packet().qos()
                        + ",pid=" + in.packet().publishPacketId() + ",dup=" + in.packet().dup()
                        + (m == null ? "" : ",msg=" + m.publisher() + "#" + m.seq()));
            }
        } else if (o instanceof Connection.Closed cl) {
            if (current != null && cl.conn() == current.id) {
                Connection c = current;
                lost(c, cl.reason(), cl.t());
                c.close(false);
            } else {
                Long since = takenOver.remove(cl.conn());
                Connection old = oldConnections.remove(cl.conn());
                if (old != null) {
                    old.close(false);
                }
                if (since != null) {
                    history.note("takeover_old_closed", id, "conn=" + cl.conn() + ",reason=" + cl.reason()
                            + ",after_ms=" + (cl.t() - since) / 1000);
                }
            }
        } else if (o instanceof TakeoverCommand tc) {
            if (current != null) {
                Connection old = current;
                takenOver.put(old.id, now);
                oldConnections.put(old.id, old);
                lost(old, "taken-over", now);
            }
            preferred = Math.floorMod(tc.endpoint(), endpoints.size());
            reconnectNotBefore = now;
        } else if (o instanceof DropCommand) {
            loseConnection("dropped");
        }
    }

    private void lost(Connection c, String reason, long t) {
        history.add(new Event.Lost(t, id, c.id, reason));
        current = null;
        connected = false;
        connectedSince = -1;
        pingSentAt = -1;
        long backoff = settings.backoffMinMs()
                + ThreadLocalRandom.current().nextLong(Math.max(1, settings.backoffMaxMs() - settings.backoffMinMs()));
        reconnectNotBefore = history.now() + (reason.equals("taken-over") ? 0 : backoff * 1000);
        onLost(c.id);
    }

    private void checkTakeovers(long now) {
        for (Iterator<Map.Entry<Integer, Long>> it = takenOver.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Long> e = it.next();
            if (now - e.getValue() > 10_000_000L) {
                it.remove();
                history.note("takeover_old_not_closed", id, "conn=" + e.getKey() + ",waited_ms=10000");
                Connection old = oldConnections.remove(e.getKey());
                if (old != null) {
                    old.close(true);
                }
            }
        }
    }

    private void keepAlive(long now) {
        if (pingSentAt >= 0 && now - pingSentAt > settings.pingTimeoutMs() * 1000) {
            loseConnection("ping-timeout");
            return;
        }
        if (pingSentAt < 0 && now - lastPingAt >= settings.pingIntervalMs() * 1000) {
            try {
                pingSentAt = now;
                lastPingAt = now;
                current.write(MqttCodec.pingreq());
            } catch (IOException e) {
                loseConnection("write-failed");
            }
        }
    }

    /** One pass over the endpoints (the preferred one, else home first); returns with a connection or none. */
    private void connectOnce(Deque<Object> deferred) throws InterruptedException {
        int first = preferred >= 0 ? preferred : home;
        preferred = -1;
        for (int k = 0; k < endpoints.size() && !stopRequested; k++) {
            Endpoint ep = endpoints.get((first + k) % endpoints.size());
            int conn = ++connCounter;
            history.add(new Event.Connect(history.now(), id, conn, ep.name()));
            Connection c;
            try {
                c = Connection.open(conn, ep, settings.connectTimeoutMs(), inbox, history::now, "reader-" + id + "-" + conn);
                c.write(MqttCodec.connect(id, clean, settings.keepAliveSeconds()));
            } catch (IOException e) {
                history.add(new Event.Lost(history.now(), id, conn, "connect-failed"));
                continue;
            }
            Packet connack = awaitConnack(c, deferred);
            if (connack == null) {
                history.add(new Event.Lost(history.now(), id, conn, "no-connack"));
                c.close(true);
                continue;
            }
            history.add(new Event.Connack(history.now(), id, conn, connack.connackCode(), connack.sessionPresent()));
            if (connack.connackCode() != 0) {
                history.add(new Event.Lost(history.now(), id, conn, "refused-" + connack.connackCode()));
                c.close(false);
                continue;
            }
            current = c;
            connected = true;
            established++;
            connectedSince = history.now();
            lastPingAt = history.now();
            try {
                onConnected(conn, connack.sessionPresent());
            } catch (IOException e) {
                loseConnection("write-failed");
            }
            return;
        }
        long backoff = settings.backoffMinMs()
                + ThreadLocalRandom.current().nextLong(Math.max(1, settings.backoffMaxMs() - settings.backoffMinMs()));
        reconnectNotBefore = history.now() + backoff * 1000;
    }

    private Packet awaitConnack(Connection c, Deque<Object> deferred) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.connackTimeoutMs());
        List<Object> later = new ArrayList<>();
        try {
            while (System.nanoTime() < deadline && !stopRequested) {
                Object o = inbox.poll(10, TimeUnit.MILLISECONDS);
                if (o instanceof Connection.Incoming in && in.conn() == c.id) {
                    if (in.packet().type() == Packet.CONNACK) {
                        return in.packet();
                    }
                    later.add(o); // nothing may come before CONNACK, but keep it if it does
                } else if (o instanceof Connection.Closed cl && cl.conn() == c.id) {
                    return null;
                } else if (o != null) {
                    later.add(o);
                }
            }
            return null;
        } finally {
            deferred.addAll(later);
        }
    }
}
