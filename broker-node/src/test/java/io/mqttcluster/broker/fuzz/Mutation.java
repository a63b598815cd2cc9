package io.mqttcluster.broker.fuzz;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

/** A blind change of a byte stream, for the fuzz tests: flip, set, cut, insert, delete, or rewrite a remaining length. */
public sealed interface Mutation {

    byte[] apply(byte[] b);

    /** One to {@code max} mutations at positions up to {@code span}. */
    static Arbitrary<List<Mutation>> some(int max, int span) {
        Arbitrary<Integer> pos = Arbitraries.integers().between(0, span);
        Arbitrary<Mutation> one = Arbitraries.oneOf(
                Combinators.combine(pos, Arbitraries.integers().between(1, 255)).as(Flip::new),
                Combinators.combine(pos, Arbitraries.integers().between(0, 255)).as(Set::new),
                pos.map(Truncate::new),
                Combinators.combine(pos, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8)).as(Insert::new),
                Combinators.combine(pos, Arbitraries.integers().between(1, 8)).as(Delete::new),
                Combinators.combine(pos, Arbitraries.integers().between(0, 268_435_455)).as(Length::new));
        return one.list().ofMinSize(1).ofMaxSize(max);
    }

    static byte[] applyAll(byte[] b, List<Mutation> ms) {
        for (Mutation m : ms) {
            b = m.apply(b);
        }
        return b;
    }

    record Flip(int at, int mask) implements Mutation {
        public byte[] apply(byte[] b) {
            byte[] c = b.clone();
            if (c.length > 0) {
                c[at % c.length] ^= (byte) mask;
            }
            return c;
        }
    }

    record Set(int at, int value) implements Mutation {
        public byte[] apply(byte[] b) {
            byte[] c = b.clone();
            if (c.length > 0) {
                c[at % c.length] = (byte) value;
            }
            return c;
        }
    }

    record Truncate(int length) implements Mutation {
        public byte[] apply(byte[] b) {
            return Arrays.copyOf(b, length % (b.length + 1));
        }
    }

    record Insert(int at, byte[] bytes) implements Mutation {
        public byte[] apply(byte[] b) {
            int p = at % (b.length + 1);
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.write(b, 0, p);
            o.writeBytes(bytes);
            o.write(b, p, b.length - p);
            return o.toByteArray();
        }
    }

    record Delete(int at, int n) implements Mutation {
        public byte[] apply(byte[] b) {
            if (b.length == 0) {
                return b;
            }
            int p = at % b.length;
            int k = Math.min(n, b.length - p);
            byte[] c = new byte[b.length - k];
            System.arraycopy(b, 0, c, 0, p);
            System.arraycopy(b, p + k, c, p, b.length - p - k);
            return c;
        }
    }

    /**
     * Rewrites the remaining length of the packet that starts at a byte of the stream (taken as a fixed header) with
     * another value: a wrong length, up to the largest MQTT allows.
     */
    record Length(int at, int remaining) implements Mutation {
        public byte[] apply(byte[] b) {
            if (b.length < 2) {
                return b;
            }
            int start = at % (b.length - 1);
            int end = start + 1;
            while (end < b.length && end < start + 5 && (b[end] & 0x80) != 0) {
                end++;
            }
            end = Math.min(end + 1, b.length);
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.write(b, 0, start + 1);
            varInt(o, remaining);
            o.write(b, end, b.length - end);
            return o.toByteArray();
        }
    }

    static void varInt(ByteArrayOutputStream out, int value) {
        do {
            int g = value % 128;
            value /= 128;
            out.write(value > 0 ? g | 0x80 : g);
        } while (value > 0);
    }
}
