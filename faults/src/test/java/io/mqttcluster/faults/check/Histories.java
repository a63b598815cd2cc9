package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.util.ArrayList;
import java.util.List;

/** Builds hand-made histories for the checker's tests; times are given in milliseconds. */
final class Histories {

    final List<Event> events = new ArrayList<>();

    private static long us(double ms) {
        return Math.round(ms * 1000);
    }

    Histories pub(String id, boolean clean, int qos) {
        events.add(new Event.ClientDecl(0, id, "pub", clean, qos, "h/" + id + "/t@" + qos, ""));
        return this;
    }

    /** filters as "filter@qos;filter@qos". */
    Histories sub(String id, boolean clean, String filters) {
        return sub(id, clean, filters, "");
    }

    Histories sub(String id, boolean clean, String filters, String group) {
        events.add(new Event.ClientDecl(0, id, "sub", clean, 0, filters, group));
        return this;
    }

    Histories connect(String client, int conn, String node, double t, boolean sessionPresent) {
        events.add(new Event.Connect(us(t), client, conn, node));
        events.add(new Event.Connack(us(t), client, conn, 0, sessionPresent));
        return this;
    }

    Histories epoch(String client, int epoch, int conn, double t) {
        events.add(new Event.SessionEpoch(us(t), client, epoch, conn));
        return this;
    }

    Histories suback(String client, int conn, String filter, int granted, double t) {
        events.add(new Event.Suback(us(t), client, conn, filter, granted));
        return this;
    }

    Histories lost(String client, int conn, double t) {
        events.add(new Event.Lost(us(t), client, conn, "eof"));
        return this;
    }

    /** A PINGRESP at t for a PINGREQ sent at pingSent. */
    Histories alive(String client, int conn, double pingSent, double t) {
        events.add(new Event.Alive(us(t), client, conn, us(pingSent)));
        return this;
    }

    Histories send(String pub, int conn, long seq, int qos, int pid, boolean dup, double t) {
        events.add(new Event.Sent(us(t), pub, conn, seq, qos, pid, dup));
        return this;
    }

    Histories ack(String pub, int conn, long seq, int pid, double t) {
        events.add(new Event.Acked(us(t), pub, conn, seq, pid));
        return this;
    }

    /** Sends and acknowledges one message on the publisher's connection 1. */
    Histories message(String pub, long seq, int qos, double sent, double acked) {
        return send(pub, 1, seq, qos, (int) (seq % 60) + 1, false, sent).ack(pub, 1, seq, (int) (seq % 60) + 1, acked);
    }

    Histories recv(String sub, int conn, int epoch, String pub, long seq, int qos, int pid, boolean dup, boolean fresh, double t) {
        events.add(new Event.Received(us(t), sub, conn, epoch, pub, seq, qos, pid, dup, fresh, false));
        return this;
    }

    Histories collision(String sub, int conn, int epoch, String pub, long seq, int pid, double t) {
        events.add(new Event.Received(us(t), sub, conn, epoch, pub, seq, 2, pid, false, false, true));
        return this;
    }

    Histories fault(int id, String kind, String target, double begin, double end) {
        events.add(new Event.FaultBegin(us(begin), id, kind, target, ""));
        events.add(new Event.FaultEnd(us(end), id, kind, target, ""));
        return this;
    }

    Histories note(String what, String subject, double t) {
        return note(what, subject, "", t);
    }

    Histories note(String what, String subject, String detail, double t) {
        events.add(new Event.Note(us(t), what, subject, detail));
        return this;
    }

    Histories metric(String node, int incarnation, String reason, long value, double t) {
        events.add(new Event.Metric(us(t), node, incarnation, "mqtt_messages_dropped_total", reason, value));
        return this;
    }

    /** The index the checker's parts read, of the events so far. */
    RunIndex index() {
        events.sort((a, b) -> Long.compare(a.t(), b.t()));
        return new RunIndex(events);
    }

    Verdict check() {
        events.sort((a, b) -> Long.compare(a.t(), b.t()));
        return Checker.check(events, 0, 50);
    }

    /** A persistent subscriber s1 on h/# at QoS 2 and a persistent QoS 2 publisher p1, both connected from 0 ms. */
    static Histories persistentPair() {
        return new Histories().pub("p1", false, 2).sub("s1", false, "h/#@2")
                .connect("p1", 1, "f1", 0, false).epoch("p1", 1, 1, 0)
                .connect("s1", 1, "f2", 0, false).epoch("s1", 1, 1, 0).suback("s1", 1, "h/#", 2, 10);
    }
}
