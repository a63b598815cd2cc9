package io.mqttcluster.broker.http;

import io.vertx.core.MultiMap;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The paging parameters every admin list call takes, checked: {@code limit} (default 100, 1..1000) and
 * {@code after} (the cursor: the sort key of the last item of the previous page; null for the first page), plus
 * the parameter and path-segment decoding the calls share. Immutable.
 */
public record PageParams(int limit, String after) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    /** Reads {@code limit} and {@code after}; a bad limit is a 400. */
    public static PageParams of(MultiMap params) {
        String l = single(params, "limit");
        int limit = DEFAULT_LIMIT;
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw ApiError.badRequest("limit must be a whole number from 1 to " + MAX_LIMIT + ", not '" + l + "'");
            }
        }
        String after = single(params, "after");
        return new PageParams(limit, after == null || after.isEmpty() ? null : after);
    }

    /** A query parameter given at most once; null when absent or empty. A repeated one is a 400. */
    public static String single(MultiMap params, String name) {
        List<String> all = params.getAll(name);
        if (all.size() > 1) {
            throw ApiError.badRequest("parameter " + name + " given " + all.size() + " times");
        }
        return all.isEmpty() || all.get(0).isEmpty() ? null : all.get(0);
    }

    /**
     * Decodes a percent-encoded path segment (a client id or node name): {@code %2F} is a '/', and unlike a form a
     * '+' stays a '+' (it is legal in client ids). Bad escapes or bytes that are not UTF-8 are a 400.
     */
    public static String decodeSegment(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c != '%') {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            if (i + 2 >= segment.length()) {
                throw ApiError.badRequest("bad percent-encoding in path segment '" + segment + "'");
            }
            int hi = Character.digit(segment.charAt(i + 1), 16);
            int lo = Character.digit(segment.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                throw ApiError.badRequest("bad percent-encoding in path segment '" + segment + "'");
            }
            out.write(hi * 16 + lo);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw ApiError.badRequest("path segment '" + segment + "' is not UTF-8");
        }
    }

    /** An instant as ISO-8601 (UTC), or null for 0. */
    public static String iso(long epochMillis) {
        return epochMillis <= 0 ? null : java.time.Instant.ofEpochMilli(epochMillis).toString();
    }
}
