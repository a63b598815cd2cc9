package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.fuzz.FuzzStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the gateway's packet-boundary follower, which reads both directions of every spliced connection (the
 * client's bytes are untrusted): random streams and streams of well-framed packets (remaining lengths of 1 to 4
 * bytes), blindly mutated, in random splits. Checked against a plain model of MQTT framing written here: the same
 * boundaries, the same types and first body bytes, broken exactly when a remaining length is malformed, no
 * exception, the buffer's indexes untouched.
 */
class PacketBoundariesFuzzTest {

    static final String PARSER = "gateway-packet-boundaries";

    @AfterContainer
    static void report() {
        FuzzStats.print();
    }

    @Property
    void randomStreams_followedLikeTheModel(@ForAll("randomBytes") byte[] stream, @ForAll("splits") List<Integer> splits) {
        check(stream, splits);
    }

    @Property
    void framedStreams_followedLikeTheModel_alsoWhenMutated(@ForAll("framed") byte[] stream, @ForAll("flips") List<Integer> flips,
                                                            @ForAll("splits") List<Integer> splits) {
        byte[] s = stream.clone();
        for (int i = 0; i + 1 < flips.size(); i += 2) {
            if (s.length > 0) {
                s[flips.get(i) % s.length] ^= (byte) (int) flips.get(i + 1);
            }
        }
        check(s, splits);
    }

    /** Feeds {@code stream} chunk by chunk, both through feed() and feedUntilPacketEnd(), and compares with the model. */
    static void check(byte[] stream, List<Integer> splits) {
        FuzzStats.count(PARSER);
        Model model = Model.of(stream);
        PacketBoundaries byFeed = new PacketBoundaries();
        PacketBoundaries byPacket = new PacketBoundaries();
        List<Integer> ends = new ArrayList<>();
        int at = 0;
        int i = 0;
        while (at < stream.length) {
            int n = Math.min(stream.length - at, splits.isEmpty() ? stream.length : Math.max(1, splits.get(i++ % splits.size())));
            ByteBuf chunk = Unpooled.wrappedBuffer(stream, at, n);
            byFeed.feed(chunk);
            assertThat(chunk.readerIndex()).isZero();
            int from = chunk.readerIndex();
            while (from < chunk.writerIndex()) {
                int end = byPacket.feedUntilPacketEnd(chunk, from, chunk.writerIndex());
                if (end < 0) {
                    break;
                }
                assertThat(end).isGreaterThan(from).isLessThanOrEqualTo(chunk.writerIndex());
                ends.add(at + end);
                // at a boundary: the packet that ended is the model's
                Model.Packet p = model.packets.get(ends.size() - 1);
                assertThat(byPacket.packetType()).isEqualTo(p.type);
                assertThat(byPacket.bodyByte(0)).isEqualTo(p.head0);
                assertThat(byPacket.bodyByte(1)).isEqualTo(p.head1);
                from = end;
            }
            at += n;
            assertThat(byFeed.atBoundary()).isEqualTo(byPacket.atBoundary());
            assertThat(byFeed.broken()).isEqualTo(byPacket.broken());
        }
        assertThat(ends).isEqualTo(model.ends());
        assertThat(byPacket.broken()).isEqualTo(model.broken);
        assertThat(byPacket.atBoundary()).isEqualTo(!model.broken && model.endsAtBoundary(stream.length));
    }

    /** MQTT framing, read the obvious way from the whole stream. */
    static final class Model {
        record Packet(int type, int end, int head0, int head1) {
        }

        final List<Packet> packets = new ArrayList<>();
        boolean broken;

        static Model of(byte[] s) {
            Model m = new Model();
            int i = 0;
            while (i < s.length) {
                int type = (s[i] & 0xFF) >> 4;
                int j = i + 1;
                long len = 0;
                int k = 0;
                boolean done = false;
                while (j < s.length && k < 4) {
                    int b = s[j++] & 0xFF;
                    len |= (long) (b & 0x7F) << (7 * k);
                    k++;
                    if ((b & 0x80) == 0) {
                        done = true;
                        break;
                    }
                }
                if (!done) {
                    if (k == 4) {
                        m.broken = true;
                    }
                    return m;
                }
                long end = j + len;
                if (end > s.length) {
                    return m;
                }
                int h0 = len > 0 ? s[j] & 0xFF : -1;
                int h1 = len > 1 ? s[j + 1] & 0xFF : -1;
                m.packets.add(new Packet(type, (int) end, h0, h1));
                i = (int) end;
            }
            return m;
        }

        List<Integer> ends() {
            return packets.stream().map(Packet::end).toList();
        }

        boolean endsAtBoundary(int length) {
            return length == 0 || (!packets.isEmpty() && packets.get(packets.size() - 1).end == length);
        }
    }

    @Provide
    Arbitrary<byte[]> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(400);
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.integers().between(1, 80).list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<Integer>> flips() {
        return Arbitraries.integers().between(0, 4000).list().ofMaxSize(6);
    }

    /** One to eight packets of any type, with bodies of 0 to 300 bytes, some with an over-long length encoding. */
    @Provide
    Arbitrary<byte[]> framed() {
        Arbitrary<byte[]> packet = Combinators.combine(Arbitraries.integers().between(0, 255),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300), Arbitraries.integers().between(0, 3)).as((first, body, pad) -> {
                    ByteArrayOutputStream o = new ByteArrayOutputStream();
                    o.write(first);
                    // a variable byte integer may be written longer than needed (MQTT allows no such thing, but the
                    // framing is the same): 0x80 continuation bytes with a zero group, up to four bytes in all
                    int len = body.length;
                    List<Integer> groups = new ArrayList<>();
                    do {
                        groups.add(len % 128);
                        len /= 128;
                    } while (len > 0);
                    while (groups.size() < Math.min(4, groups.size() + pad)) {
                        groups.add(0);
                    }
                    for (int g = 0; g < groups.size(); g++) {
                        o.write(groups.get(g) | (g + 1 < groups.size() ? 0x80 : 0));
                    }
                    o.writeBytes(body);
                    return o.toByteArray();
                });
        return packet.list().ofMinSize(1).ofMaxSize(8).map(ps -> {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            ps.forEach(o::writeBytes);
            return o.toByteArray();
        });
    }
}
