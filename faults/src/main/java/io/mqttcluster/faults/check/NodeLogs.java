package io.mqttcluster.faults.check;

import io.mqttcluster.faults.history.Event;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the node logs of a run say about cluster membership, as notes for the checker: when each node saw
 * another one leave or join ({@code event=member_left} / {@code member_joined}). A node the others removed keeps
 * serving its clients until it notices (a second or so after a partial partition); the checker needs to know
 * when the others stopped counting it.
 */
public final class NodeLogs {

    static final String LEFT = "member_left";
    static final String JOINED = "member_joined";

    /** Node logs are {@code <node>.<incarnation>.log}; lines start with an ISO instant. */
    private static final Pattern FILE = Pattern.compile("^(\\w+)\\.\\d+\\.log$");
    private static final Pattern LINE = Pattern.compile("^(\\S+Z) .*event=(member_left|member_joined) node=(\\S+)");

    private NodeLogs() {
    }

    /** {@code events} and, after them, a note per membership change found in {@code runDir}'s node logs. */
    public static List<Event> withMembership(List<Event> events, Path runDir, long startWallMillis) throws IOException {
        List<Event> out = new ArrayList<>(events);
        if (runDir == null || !Files.isDirectory(runDir)) {
            return out;
        }
        List<Path> logs;
        try (Stream<Path> files = Files.list(runDir)) {
            logs = files.filter(p -> FILE.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
        for (Path log : logs) {
            Matcher f = FILE.matcher(log.getFileName().toString());
            f.matches();
            String observer = f.group(1);
            try (Stream<String> lines = Files.lines(log)) {
                lines.forEach(line -> {
                    Matcher m = LINE.matcher(line);
                    if (m.find()) {
                        try {
                            long t = (Instant.parse(m.group(1)).toEpochMilli() - startWallMillis) * 1000;
                            out.add(new Event.Note(t, m.group(2), m.group(3), "seen_by=" + observer));
                        } catch (RuntimeException e) {
                            // not a timestamp: not one of ours
                        }
                    }
                });
            }
        }
        return out;
    }
}
