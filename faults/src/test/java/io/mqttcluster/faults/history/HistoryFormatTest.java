package io.mqttcluster.faults.history;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every event survives being written as a line and read back; a history file reads back whole. */
class HistoryFormatTest {

    static final List<Event> ALL = List.of(
            new Event.ClientDecl(1, "s3", "sub", false, 0, "h/p1/t@2;$share/g1/h/#@1", "g1"),
            new Event.Connect(2, "p1", 3, "f2"),
            new Event.Connack(3, "p1", 3, 0, true),
            new Event.Suback(4, "s3", 1, "h/+/t", 128),
            new Event.Lost(5, "p1", 3, "ping-timeout"),
            new Event.Alive(6, "s4", 2, 5),
            new Event.SessionEpoch(7, "s1", 2, 9),
            new Event.Sent(8, "p1", 3, 123_456_789_012L, 2, 65535, true),
            new Event.Acked(9, "p1", 3, 5, 1),
            new Event.Completed(10, "p1", 3, 5, 1),
            new Event.Abandoned(11, "p3", 7, "clean-session"),
            new Event.Received(12, "s1", 4, 2, "p5", 99, 2, 17, true, false, true),
            new Event.FaultBegin(13, 4, "partition-partial", "f1|f3", "blackhole_routes=f1<->f3"),
            new Event.FaultEnd(14, 4, "partition-partial", "f1|f3", ""),
            new Event.Metric(15, "f2", 3, "mqtt_messages_dropped_total", "queue_full", 12),
            new Event.Note(16, "takeover_old_closed", "s1", "conn=3,reason=eof,after_ms=12"));

    @Test
    void everyEvent_roundTripsThroughItsLine() {
        for (Event e : ALL) {
            assertThat(HistoryFormat.parse(HistoryFormat.format(e))).isEqualTo(e);
        }
        assertThat(HistoryFormat.format(ALL.get(1))).isEqualTo("ev=Connect t=2 client=p1 conn=3 node=f2");
    }

    @Test
    void spacesInValues_becomeUnderscores() {
        Event.Note n = new Event.Note(1, "x", "y", "a b");
        assertThat(HistoryFormat.parse(HistoryFormat.format(n))).isEqualTo(new Event.Note(1, "x", "y", "a_b"));
    }

    @Test
    void aHistoryFile_readsBackWithItsWallClockStart() throws Exception {
        Path dir = Files.createTempDirectory("history");
        Path file = dir.resolve("history.log");
        try (History h = History.toFile(file)) {
            ALL.forEach(h::add);
            h.flush();
            assertThat(History.read(file)).isEqualTo(ALL);
            assertThat(History.readStartWallMillis(file)).isEqualTo(h.startWallMillis());
        }
    }
}
