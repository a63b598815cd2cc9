package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.ArrayList;
import java.util.List;

/**
 * The words of the checker's examples: what happened to a message, a subscriber's connections around it, the
 * faults near it, a receipt. Reads the run's index only.
 */
final class Details {
    private final RunIndex idx;
    private final Times times;
    private final FreshReceipts fresh;

    Details(RunIndex idx, Times times, FreshReceipts fresh) {
        this.idx = idx;
        this.times = times;
        this.fresh = fresh;
    }

    String messageDetail(RunIndex.Message m) {
        RunIndex.ClientInfo pub = idx.clients.get(m.pub);
        return m.key() + " qos " + m.qos + " from " + (pub != null && pub.clean ? "clean" : "persistent")
                + " publisher " + m.pub + ": first sent " + times.ms(m.firstSent) + " on " + connName(m.pub, m.firstConn)
                + ", sent " + m.sends + "x, acknowledged " + times.ms(m.ackT)
                + (m.ackConn >= 0 ? " on " + connName(m.pub, m.ackConn) : "")
                + (m.qos == 2 ? ", PUBCOMP " + times.ms(m.completedT) : "")
                + (m.abandonedT >= 0 ? ", abandoned " + times.ms(m.abandonedT) + " (" + m.abandonReason + ")" : "");
    }

    String lossDetail(RunIndex.ClientInfo sub, RunIndex.Message m, RunIndex.Conn via) {
        StringBuilder b = new StringBuilder();
        b.append(kind(sub)).append(" subscriber ").append(sub.id).append(" (").append(filters(sub)).append(")");
        if (via != null) {
            b.append(" owed it on ").append(via.describe(times));
        } else {
            b.append(" connections around it: ").append(connsAround(sub, m.firstSent, m.ackT));
        }
        long repeats = idx.receipts.getOrDefault(sub.id, List.of()).stream()
                .filter(r -> r.pub().equals(m.pub) && r.seq() == m.seq).count();
        if (repeats > 0) {
            b.append("; received only as a repeat of a packet id awaiting PUBREL: ").append(repeats).append("x");
        }
        return b + faultsText(m.firstSent, m.ackT);
    }

    String groupDetail(List<RunIndex.ClientInfo> members, RunIndex.Message m) {
        StringBuilder b = new StringBuilder("members' connections around it: ");
        for (RunIndex.ClientInfo c : members) {
            b.append(connsAround(c, m.firstSent, m.ackT)).append(' ');
        }
        return b + faultsText(m.firstSent, m.ackT);
    }

    String deliveredTo(List<RunIndex.ClientInfo> members, RunIndex.Message m) {
        StringBuilder b = new StringBuilder("fresh at:");
        for (RunIndex.ClientInfo c : members) {
            List<Event.Received> r = fresh.of(c.id).get(m.key());
            if (r != null) {
                for (Event.Received x : r) {
                    b.append(' ').append(receiptText(x));
                }
            }
        }
        return b.toString();
    }

    String duplicateDetail(RunIndex.ClientInfo sub, RunIndex.Message m, List<Event.Received> copies) {
        StringBuilder b = new StringBuilder(kind(sub) + " subscriber " + sub.id + " handed it to the application "
                + copies.size() + "x in one session:");
        for (Event.Received r : copies) {
            b.append(' ').append(receiptText(r));
        }
        Event.Received first = copies.get(0);
        Event.Received second = copies.get(1);
        b.append(second.pid() == first.pid()
                ? "; the second came with the same packet id after a PUBREL had released it"
                : "; the second came under another packet id (" + first.pid() + " -> " + second.pid() + "); "
                + first.pid() + (released(sub.id, first) ? " was reused for another message in between (so released)"
                : " was not reused for another message in between"));
        return b + faultsText(first.t() - 5_000_000L, second.t());
    }

    /** Whether the subscriber got a later receipt of another message under the same packet id (so it was released). */
    private boolean released(String sub, Event.Received r) {
        for (Event.Received x : idx.receipts.getOrDefault(sub, List.of())) {
            if (x.t() > r.t() && x.pid() == r.pid() && x.fresh() && !(x.pub().equals(r.pub()) && x.seq() == r.seq())) {
                return true;
            }
        }
        return false;
    }

    private String receiptText(Event.Received r) {
        return "[" + times.ms(r.t()) + " " + connName(r.client(), r.conn()) + " pid=" + r.pid() + " dup=" + (r.dup() ? 1 : 0)
                + " qos=" + r.qos() + "]";
    }

    String connName(String client, int conn) {
        RunIndex.ClientInfo c = idx.clients.get(client);
        RunIndex.Conn k = c == null ? null : c.conns.get(conn);
        return client + "/c" + conn + "@" + (k == null ? "?" : k.node);
    }

    private String connsAround(RunIndex.ClientInfo c, long from, long to) {
        List<String> out = new ArrayList<>();
        for (RunIndex.Conn k : c.conns.values()) {
            if (k.rc == 0 && k.connackT <= to + 30_000_000L && (k.lostT < 0 || k.lostT >= from - 30_000_000L)) {
                out.add(k.describe(times));
            }
        }
        return out.isEmpty() ? c.id + ": none" : String.join(" ", out);
    }

    String faultsText(long from, long to) {
        List<RunIndex.Fault> near = idx.faultsNear(from - 15_000_000L, to + 15_000_000L);
        if (near.isEmpty()) {
            return "; no fault within 15 s";
        }
        StringBuilder b = new StringBuilder("; faults near:");
        for (RunIndex.Fault f : near) {
            b.append(" #").append(f.id()).append(' ').append(f.kind()).append(' ').append(f.target()).append(' ')
                    .append(times.ms(f.begin())).append("..").append(times.ms(f.end()));
        }
        return b.toString();
    }

    static String kind(RunIndex.ClientInfo c) {
        return c.clean ? "clean" : "persistent";
    }

    static String filters(RunIndex.ClientInfo c) {
        List<String> out = new ArrayList<>();
        for (RunIndex.Filter f : c.filters) {
            out.add(f.filter() + " q" + f.qos());
        }
        return String.join(", ", out);
    }
}
