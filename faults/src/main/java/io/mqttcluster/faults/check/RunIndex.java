package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A history arranged for checking: each client with its connections, each message with its sends and
 * acknowledgement, each subscriber's receipts, the faults. Built once from the events; read-only after.
 */
final class RunIndex {

    /** One subscription of a subscriber: filter as given (maybe {@code $share/...}) and requested QoS. */
    record Filter(String filter, int qos) {
    }

    static final class ClientInfo {
        final String id;
        final boolean publisher;
        final boolean clean;
        final int qos;
        final List<Filter> filters = new ArrayList<>();
        final String group;
        final TreeMap<Integer, Conn> conns = new TreeMap<>();
        /** Persistent session epochs: epoch -> run time it started. */
        final TreeMap<Integer, Long> epochs = new TreeMap<>();

        ClientInfo(Event.ClientDecl d) {
            id = d.client();
            publisher = d.role().equals("pub");
            clean = d.clean();
            qos = d.qos();
            group = d.group();
            for (String part : d.filters().split(";")) {
                int at = part.lastIndexOf('@');
                if (at > 0) {
                    filters.add(new Filter(part.substring(0, at), Integer.parseInt(part.substring(at + 1))));
                }
            }
        }

        boolean inGroup() {
            return !group.isEmpty();
        }
    }

    static final class Conn {
        final String client;
        final int id;
        final String node;
        final long connectT;
        long connackT = -1;
        int rc = -1;
        boolean sessionPresent;
        long lostT = -1;
        String lostReason = "";
        /** filter -> first SUBACK time on this connection, and the granted code. */
        final Map<String, Long> subackT = new HashMap<>();
        final Map<String, Integer> granted = new HashMap<>();
        /** PINGREQ send times whose PINGRESP came back, ascending. */
        final List<Long> alive = new ArrayList<>();

        Conn(String client, int id, String node, long connectT) {
            this.client = client;
            this.id = id;
            this.node = node;
            this.connectT = connectT;
        }

        boolean provenAliveAfter(long t) {
            return !alive.isEmpty() && alive.get(alive.size() - 1) >= t;
        }

        String describe(Times times) {
            return client + "/c" + id + "@" + node + "[" + times.ms(connackT >= 0 ? connackT : connectT) + ".."
                    + (lostT >= 0 ? times.ms(lostT) + " " + lostReason : "end") + "]";
        }
    }

    static final class Message {
        final String pub;
        final long seq;
        int qos;
        long firstSent = -1;
        int firstConn = -1;
        int sends;
        long ackT = -1;
        int ackConn = -1;
        long completedT = -1;
        long abandonedT = -1;
        String abandonReason = "";

        Message(String pub, long seq) {
            this.pub = pub;
            this.seq = seq;
        }

        boolean acked() {
            return ackT >= 0;
        }

        String key() {
            return pub + "#" + seq;
        }

        String topic() {
            return "h/" + pub + "/t";
        }
    }

    record Fault(int id, String kind, String target, long begin, long end, String detail) {
        /** When a fault's effect is over for the recovery clock: its end for stop and partitions, else its start. */
        long recoveryFrom() {
            return kind.equals("stop") || kind.startsWith("partition") ? end : begin;
        }
    }

    final Map<String, ClientInfo> clients = new LinkedHashMap<>();
    /** publisher -> seq -> message. */
    final Map<String, TreeMap<Long, Message>> messages = new LinkedHashMap<>();
    /** subscriber -> receipts in time order. */
    final Map<String, List<Event.Received>> receipts = new LinkedHashMap<>();
    final List<Fault> faults = new ArrayList<>();
    final List<Event.Note> notes = new ArrayList<>();
    final List<Event.Metric> metrics = new ArrayList<>();
    long end;
    long drainStart = -1;
    /** When the end phase made every persistent subscriber reconnect once more, or -1. */
    long finalReconnect = -1;

    RunIndex(List<Event> events) {
        Map<Integer, Event.FaultBegin> open = new HashMap<>();
        for (Event e : events) {
            end = Math.max(end, e.t());
            if (e instanceof Event.ClientDecl d) {
                clients.put(d.client(), new ClientInfo(d));
            } else if (e instanceof Event.Connect c) {
                client(c.client()).conns.put(c.conn(), new Conn(c.client(), c.conn(), c.node(), c.t()));
            } else if (e instanceof Event.Connack c) {
                Conn k = conn(c.client(), c.conn());
                k.connackT = c.t();
                k.rc = c.rc();
                k.sessionPresent = c.sessionPresent();
            } else if (e instanceof Event.Suback s) {
                Conn k = conn(s.client(), s.conn());
                k.subackT.putIfAbsent(s.filter(), s.t());
                k.granted.putIfAbsent(s.filter(), s.granted());
            } else if (e instanceof Event.Lost l) {
                Conn k = conn(l.client(), l.conn());
                if (k.lostT < 0) {
                    k.lostT = l.t();
                    k.lostReason = l.reason();
                }
            } else if (e instanceof Event.Alive a) {
                conn(a.client(), a.conn()).alive.add(a.pingSent());
            } else if (e instanceof Event.SessionEpoch s) {
                client(s.client()).epochs.put(s.epoch(), s.t());
            } else if (e instanceof Event.Sent s) {
                Message m = message(s.client(), s.seq());
                m.qos = s.qos();
                m.sends++;
                if (!s.dup() && m.firstSent < 0) {
                    m.firstSent = s.t();
                    m.firstConn = s.conn();
                }
            } else if (e instanceof Event.Acked a) {
                Message m = message(a.client(), a.seq());
                if (m.ackT < 0) {
                    m.ackT = a.t();
                    m.ackConn = a.conn();
                }
            } else if (e instanceof Event.Completed c) {
                message(c.client(), c.seq()).completedT = c.t();
            } else if (e instanceof Event.Abandoned a) {
                Message m = message(a.client(), a.seq());
                m.abandonedT = a.t();
                m.abandonReason = a.reason();
            } else if (e instanceof Event.Received r) {
                receipts.computeIfAbsent(r.client(), k -> new ArrayList<>()).add(r);
            } else if (e instanceof Event.FaultBegin b) {
                open.put(b.id(), b);
            } else if (e instanceof Event.FaultEnd f) {
                Event.FaultBegin b = open.remove(f.id());
                long begin = b == null ? f.t() : b.t();
                String detail = b == null ? f.detail() : b.detail() + (f.detail().isEmpty() ? "" : "; " + f.detail());
                faults.add(new Fault(f.id(), f.kind(), f.target(), begin, f.t(), detail));
            } else if (e instanceof Event.Metric m) {
                metrics.add(m);
            } else if (e instanceof Event.Note n) {
                notes.add(n);
                if (n.what().equals("phase") && n.subject().equals("drain") && drainStart < 0) {
                    drainStart = n.t();
                }
                if (n.what().equals("phase") && n.subject().equals("final-reconnect") && finalReconnect < 0) {
                    finalReconnect = n.t();
                }
            }
        }
        for (Event.FaultBegin b : open.values()) {
            faults.add(new Fault(b.id(), b.kind(), b.target(), b.t(), end, b.detail() + "; never ended"));
        }
        faults.sort((a, b) -> Long.compare(a.begin(), b.begin()));
        for (List<Event.Received> list : receipts.values()) {
            list.sort((a, b) -> Long.compare(a.t(), b.t()));
        }
    }

    private ClientInfo client(String id) {
        ClientInfo c = clients.get(id);
        if (c == null) {
            throw new IllegalArgumentException("history names undeclared client " + id);
        }
        return c;
    }

    Conn conn(String client, int conn) {
        Conn k = client(client).conns.get(conn);
        if (k == null) {
            k = new Conn(client, conn, "?", -1);
            client(client).conns.put(conn, k);
        }
        return k;
    }

    Message message(String pub, long seq) {
        return messages.computeIfAbsent(pub, k -> new TreeMap<>()).computeIfAbsent(seq, s -> new Message(pub, s));
    }

    /** The connection of {@code client} that was in use at run time {@code t}, or null. */
    Conn connAt(String client, long t) {
        ClientInfo c = clients.get(client);
        if (c == null) {
            return null;
        }
        Conn best = null;
        for (Conn k : c.conns.values()) {
            if (k.connackT >= 0 && k.rc == 0 && k.connackT <= t && (k.lostT < 0 || k.lostT >= t)) {
                best = k;
            }
        }
        return best;
    }

    /** Faults that overlap [from, to]. */
    List<Fault> faultsNear(long from, long to) {
        List<Fault> out = new ArrayList<>();
        for (Fault f : faults) {
            if (f.begin() <= to && f.end() >= from) {
                out.add(f);
            }
        }
        return out;
    }
}
