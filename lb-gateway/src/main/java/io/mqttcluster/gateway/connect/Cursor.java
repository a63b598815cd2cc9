package io.mqttcluster.gateway.connect;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked reader over {@code buf[from, to)} with MQTT's data types [MQTT 5.0 section 1.5]: every read past
 * the end is a {@link BadConnect} (malformed), never an exception of Java's. One parse, one thread.
 */
final class Cursor {
    private final byte[] b;
    private final int end;
    private int p;

    Cursor(byte[] b, int from, int to) {
        this.b = b;
        this.p = from;
        this.end = to;
    }

    int position() {
        return p;
    }

    int remaining() {
        return end - p;
    }

    /** A cursor over the next {@code n} bytes, which this one skips. */
    Cursor slice(int n, String what) throws BadConnect {
        need(n, what);
        Cursor inner = new Cursor(b, p, p + n);
        p += n;
        return inner;
    }

    int u8() throws BadConnect {
        need(1, "byte");
        return b[p++] & 0xFF;
    }

    int u16() throws BadConnect {
        need(2, "two byte integer");
        int v = (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
        p += 2;
        return v;
    }

    long u32() throws BadConnect {
        need(4, "four byte integer");
        long v = (b[p] & 0xFFL) << 24 | (b[p + 1] & 0xFFL) << 16 | (b[p + 2] & 0xFFL) << 8 | (b[p + 3] & 0xFFL);
        p += 4;
        return v;
    }

    /** A variable byte integer of at most 4 bytes [MQTT 5.0 section 1.5.5]. */
    int varInt() throws BadConnect {
        VariableByteInteger v = new VariableByteInteger();
        while (true) {
            switch (v.next(u8())) {
                case MORE -> {
                }
                case DONE -> {
                    return v.value();
                }
                case MALFORMED -> throw BadConnect.malformed("variable byte integer over 4 bytes");
            }
        }
    }

    void skip(int n, String what) throws BadConnect {
        need(n, what);
        p += n;
    }

    /** Skips a two-byte length and that many bytes: a string or binary data whose content is the node's to check. */
    void skipPrefixed(String what) throws BadConnect {
        skip(u16(), what);
    }

    String ascii(int n) throws BadConnect {
        need(n, "protocol name");
        String s = new String(b, p, n, StandardCharsets.ISO_8859_1);
        p += n;
        return s;
    }

    /** A length-prefixed UTF-8 string, well-formed and without U+0000 [MQTT-1.5.4-1], [MQTT-1.5.4-2]. */
    String utf8(String what) throws BadConnect {
        int n = u16();
        need(n, what);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer chars;
        try {
            chars = decoder.decode(ByteBuffer.wrap(b, p, n));
        } catch (CharacterCodingException e) {
            throw BadConnect.malformed(what + " is not well-formed UTF-8");
        }
        for (int i = 0; i < chars.length(); i++) {
            if (chars.charAt(i) == 0) {
                throw BadConnect.malformed(what + " contains U+0000");
            }
        }
        p += n;
        return chars.toString();
    }

    private void need(int n, String what) throws BadConnect {
        if (n < 0 || n > end - p) {
            throw BadConnect.malformed(what + " of " + n + " bytes runs past its end");
        }
    }
}
