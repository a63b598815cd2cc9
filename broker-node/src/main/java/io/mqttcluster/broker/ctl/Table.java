package io.mqttcluster.broker.ctl;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * An aligned text table for people: a header row in capitals, then one row per item, columns padded to their
 * widest cell and two spaces apart. Cells are cleaned of control characters first, so a client id or a retained
 * payload cannot move the cursor or recolour the terminal.
 */
final class Table {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String... header) {
        this.header = List.of(header);
    }

    Table row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("expected " + header.size() + " cells, got " + cells.length);
        }
        List<String> r = new ArrayList<>(cells.length);
        for (Object c : cells) {
            r.add(cell(c));
        }
        rows.add(r);
        return this;
    }

    int size() {
        return rows.size();
    }

    void print(PrintStream out) {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = header.get(i).length();
            for (List<String> r : rows) {
                width[i] = Math.max(width[i], r.get(i).codePointCount(0, r.get(i).length()));
            }
        }
        printRow(out, header, width);
        for (List<String> r : rows) {
            printRow(out, r, width);
        }
    }

    private static void printRow(PrintStream out, List<String> cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            b.append(c);
            if (i < cells.size() - 1) {
                b.append(" ".repeat(width[i] - c.codePointCount(0, c.length()) + 2));
            }
        }
        out.println(b.toString().stripTrailing());
    }

    /** Key/value lines ({@code key:  value}) with the values in one column. */
    static void printPairs(PrintStream out, List<String[]> pairs) {
        int w = 0;
        for (String[] p : pairs) {
            w = Math.max(w, p[0].length());
        }
        for (String[] p : pairs) {
            out.println((p[0] + ":" + " ".repeat(w - p[0].length() + 2) + cell(p[1])).stripTrailing());
        }
    }

    /** What a JSON value looks like in a cell: "-" for null, the text otherwise. */
    static String cell(Object value) {
        return value == null ? "-" : clean(String.valueOf(value));
    }

    /** The text with every control character (C0, DEL, C1, line breaks) shown as '?'. */
    static String clean(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(Character.isISOControl(cp) || cp == 0x2028 || cp == 0x2029 ? '?' : cp));
        return b.toString();
    }
}
