package io.mqttcluster.broker.http;

import io.mqttcluster.cluster.ClusterView;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.message.MessageProperties;
import io.mqttcluster.cluster.topic.TopicLimits;
import io.mqttcluster.cluster.topic.Topics;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /api/v1/retained}: the retained messages matching a topic filter, paged by topic, from this node's
 * mirror of the retained store (its topic index walks only the branches the filter can match). Payloads are shown as
 * their size and a 64-byte preview. The walk runs on a worker; the future completes on the request's context.
 */
public final class RetainedApi {

    static final int PREVIEW_BYTES = 64;

    private final ClusterView cluster;
    private final TopicLimits limits;
    private final Vertx vertx;

    public RetainedApi(ClusterView cluster, TopicLimits limits, Vertx vertx) {
        this.cluster = cluster;
        this.limits = limits;
        this.vertx = vertx;
    }

    public Future<JsonObject> list(MultiMap params) {
        PageParams page = PageParams.of(params);
        String f = PageParams.single(params, "filter");
        String filter = f == null ? "#" : f;
        String problem = Topics.checkFilter(filter, limits);
        if (problem != null) {
            throw ApiError.badRequest("filter '" + filter + "': " + problem);
        }
        int capacity = page.limit() + 1;
        return vertx.executeBlocking(() -> {
            TreeMap<String, Message> kept = new TreeMap<>();
            cluster.retained().match(filter, m -> {
                if ((page.after() == null || m.topic().compareTo(page.after()) > 0)
                        && (kept.size() < capacity || m.topic().compareTo(kept.lastKey()) < 0)) {
                    kept.put(m.topic(), m);
                    if (kept.size() > capacity) {
                        kept.pollLastEntry();
                    }
                }
            });
            JsonArray items = new JsonArray();
            String next = null;
            for (Map.Entry<String, Message> e : kept.entrySet()) {
                if (items.size() == page.limit()) {
                    next = items.getJsonObject(items.size() - 1).getString("topic");
                    break;
                }
                items.add(item(e.getValue()));
            }
            return new JsonObject().put("items", items).put("next", next);
        }, false);
    }

    static JsonObject item(Message m) {
        byte[] payload = m.payload();
        byte[] head = Arrays.copyOf(payload, Math.min(PREVIEW_BYTES, payload.length));
        MessageProperties p = m.properties();
        long expiresAt = p == null ? 0 : p.expiresAtMillis();
        return new JsonObject()
                .put("topic", m.topic())
                .put("qos", m.qos())
                .put("payloadBytes", payload.length)
                .put("preview", utf8Preview(head, payload.length > head.length))
                .put("previewBase64", Base64.getEncoder().encodeToString(head))
                .put("contentType", p == null ? null : p.contentType())
                .put("expiresAt", PageParams.iso(expiresAt));
    }

    /**
     * The preview as text when it is UTF-8; a character cut by the 64-byte limit (up to 3 bytes of it) is left out.
     * Null when the bytes are not text.
     */
    static String utf8Preview(byte[] head, boolean truncated) {
        for (int cut = 0; cut <= (truncated ? 3 : 0) && cut < head.length + 1; cut++) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .decode(ByteBuffer.wrap(head, 0, head.length - cut)).toString();
            } catch (CharacterCodingException e) {
                // try without the last byte: it may be the start of a character the limit cut
            }
        }
        return null;
    }
}
