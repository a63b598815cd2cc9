package io.mqttcluster.faults.history;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The record of a run: every client, connection, message and fault, in the order they were appended, on one
 * clock ({@link #now()}: microseconds since the run began). Any thread may append; each event is also written
 * as a line to the history file when one is given, so a crashed run still leaves its history behind.
 */
public final class History implements AutoCloseable {

    private final long startNanos = System.nanoTime();
    private final long startWallMillis = System.currentTimeMillis();
    private final List<Event> events = new ArrayList<>();
    private final BufferedWriter out;

    private History(BufferedWriter out) {
        this.out = out;
    }

    /** A history kept in memory only (tests, re-checks). */
    public static History inMemory() {
        return new History(null);
    }

    /** A history also written to {@code file}, one line per event. */
    public static History toFile(Path file) {
        try {
            BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            History h = new History(w);
            w.write("# history of a fault-harness run; t in microseconds since wall-clock ms " + h.startWallMillis);
            w.newLine();
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a history file written by {@link #toFile}. */
    public static List<Event> read(Path file) throws IOException {
        List<Event> list = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                list.add(HistoryFormat.parse(line));
            }
        }
        return list;
    }

    /** Reads the wall-clock start from a history file's first line (0 when absent). */
    public static long readStartWallMillis(Path file) throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            String first = lines.findFirst().orElse("");
            int k = first.lastIndexOf(' ');
            return first.startsWith("#") && k > 0 ? Long.parseLong(first.substring(k + 1).trim()) : 0;
        }
    }

    /** Microseconds since the run began. */
    public long now() {
        return (System.nanoTime() - startNanos) / 1000;
    }

    public long startWallMillis() {
        return startWallMillis;
    }

    public void add(Event e) {
        synchronized (events) {
            events.add(e);
            if (out != null) {
                try {
                    out.write(HistoryFormat.format(e));
                    out.newLine();
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
        }
    }

    public void note(String what, String subject, String detail) {
        add(new Event.Note(now(), what, subject, detail));
    }

    /** A copy of every event appended so far. */
    public List<Event> snapshot() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    public void flush() {
        synchronized (events) {
            if (out != null) {
                try {
                    out.flush();
                } catch (IOException ignored) {
                    // best effort: the run goes on
                }
            }
        }
    }

    @Override
    public void close() {
        synchronized (events) {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }
}
