package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NodeLogsTest {

    @Test
    void membershipChangesInNodeLogs_becomeNotesOnTheHistorysClock(@TempDir Path run) throws Exception {
        long start = Instant.parse("2026-12-06T23:23:37.672Z").toEpochMilli();
        Files.writeString(run.resolve("f1.2.log"), String.join("\n",
                "2026-12-06T23:33:53.144Z INFO  [hz.event-4] ClusterCoordinator event=member_left node=f3 node_id=x members=2",
                "2026-12-06T23:33:53.347Z INFO  [vert.x-eventloop-thread-0] ClusterCoordinator event=dead_sessions_released",
                "2026-12-06T23:33:57.943Z INFO  [hz.event-2] ClusterCoordinator event=member_joined node=f3 node_id=x members=3", ""));
        Files.writeString(run.resolve("history.log"), "# not a node log\n");

        List<Event> events = NodeLogs.withMembership(List.of(), run, start);

        assertThat(events).containsExactly(
                new Event.Note((Instant.parse("2026-12-06T23:33:53.144Z").toEpochMilli() - start) * 1000, NodeLogs.LEFT, "f3", "seen_by=f1"),
                new Event.Note((Instant.parse("2026-12-06T23:33:57.943Z").toEpochMilli() - start) * 1000, NodeLogs.JOINED, "f3", "seen_by=f1"));
    }
}
