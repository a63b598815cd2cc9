package io.mqttcluster.broker.mqtt;

/** Well-formed UTF-8 (RFC 3629): what a payload declared as UTF-8 by its payload format indicator must be. */
public final class Utf8 {

    private Utf8() {
    }

    /** True when the bytes are well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
    public static boolean isValid(byte[] b) {
        int i = 0;
        int n = b.length;
        while (i < n) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int len;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                len = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                len = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                len = 3;
                min = 0x10000;
            } else {
                return false;
            }
            if (i + len >= n) {
                return false;
            }
            int cp = c & (0x3F >> len);
            for (int k = 1; k <= len; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return false;
            }
            i += len + 1;
        }
        return true;
    }
}
