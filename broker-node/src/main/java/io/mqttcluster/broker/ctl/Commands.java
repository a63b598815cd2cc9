package io.mqttcluster.broker.ctl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@code ctl} commands: each makes its call(s) and prints the answer, as a table or, with {@code --json}, as
 * sent. Field names are the admin API contract's (docs/console-and-cli.md).
 */
final class Commands {

    private static final Set<String> PAGING = Set.of("--limit", "--after", "--all");

    private final CtlArgs a;
    private final PrintStream out;
    private final Supplier<ApiClient> node;
    private final Supplier<ApiClient> gateway;
    private final boolean json;

    Commands(CtlArgs a, PrintStream out, Supplier<ApiClient> node, Supplier<ApiClient> gateway) {
        this.a = a;
        this.out = out;
        this.node = node;
        this.gateway = gateway;
        this.json = a.flag("--json");
    }

    void run() {
        List<String> w = a.words();
        String first = w.get(0);
        String second = w.size() > 1 ? w.get(1) : "";
        switch (first + " " + second) {
            case "clients list" -> clientsList();
            case "clients show" -> clientsShow(one(2, "clients show ID"));
            case "clients kick" -> clientsKick(one(2, "clients kick ID"));
            case "sessions delete" -> sessionsDelete(one(2, "sessions delete ID"));
            case "cluster status" -> clusterStatus();
            case "node drain" -> drain(one(2, "node drain NAME"), true);
            case "node undrain" -> drain(one(2, "node undrain NAME"), false);
            case "gateway route" -> gatewayRoute(one(2, "gateway route ID", "--gateway"));
            case "gateway nodes" -> gatewayNodes();
            default -> {
                switch (first) {
                    case "subscriptions" -> subscriptions();
                    case "retained" -> retained();
                    default -> throw new CtlArgs.UsageException("unknown command '" + String.join(" ", w) + "'");
                }
            }
        }
    }

    /** The one argument of a command that takes one (a client id, a node name), with its allowed options. */
    private String one(int commandWords, String usage, String... options) {
        a.allowOnly(usage, Set.of(options));
        return a.arguments(commandWords, 1, usage).get(0);
    }

    // --- clients and sessions

    private void clientsList() {
        a.allowOnly("clients list", union(PAGING, Set.of("--prefix", "--user", "--node", "--state")));
        a.arguments(2, 0, "clients list [options]");
        String state = a.option("--state");
        if (state != null && !state.equals("connected") && !state.equals("offline")) {
            throw new CtlArgs.UsageException("--state is connected or offline, not '" + state + "'");
        }
        Map<String, String> q = new LinkedHashMap<>();
        q.put("prefix", a.option("--prefix"));
        q.put("user", a.option("--user"));
        q.put("node", a.option("--node"));
        q.put("state", state);
        Page page = list("/api/v1/clients", q);
        if (json) {
            return;
        }
        Table t = new Table("CLIENT ID", "STATE", "NODE", "PROTOCOL", "USER", "PERSISTENT", "QUEUED", "SUBS",
                "CONNECTED AT", "EXPIRES AT");
        for (JsonObject c : page.items) {
            t.row(c.getString("clientId"), state(c.getBoolean("connected")), c.getString("node"),
                    protocol(c.getInteger("protocolVersion")), c.getString("user"), yesNo(c.getBoolean("persistent")),
                    c.getValue("queued"), c.getValue("subscriptions"), c.getString("connectedAt"), c.getString("expiresAt"));
        }
        printTable(t, page, "clients");
    }

    private void clientsShow(String id) {
        ApiClient.Answer r = node.get().get("/api/v1/clients/" + ApiClient.segment(id), Map.of());
        if (json) {
            out.println(r.body());
            return;
        }
        JsonObject c = r.json();
        boolean persistent = Boolean.TRUE.equals(c.getBoolean("persistent"));
        Object expiry = c.getValue("sessionExpirySeconds");
        List<String[]> p = new ArrayList<>();
        p.add(pair("client id", c.getString("clientId")));
        p.add(pair("state", state(c.getBoolean("connected"))));
        p.add(pair("node", c.getString("node") == null ? null
                : c.getString("node") + (c.getString("nodeId") == null ? "" : " (" + c.getString("nodeId") + ")")));
        p.add(pair("protocol", protocol(c.getInteger("protocolVersion"))));
        p.add(pair("user", c.getString("user")));
        p.add(pair("remote", c.getString("remote")));
        p.add(pair("connected at", c.getString("connectedAt")));
        p.add(pair("keep alive", c.getValue("keepAliveSeconds") == null ? null : c.getValue("keepAliveSeconds") + " s"));
        p.add(pair("persistent", yesNo(c.getBoolean("persistent"))));
        p.add(pair("session expiry", expiry != null ? expiry + " s" : persistent ? "never" : null));
        p.add(pair("expires at", c.getString("expiresAt")));
        p.add(pair("queued", c.getValue("queued")));
        p.add(pair("inflight", c.getValue("inflight")));
        JsonObject will = c.getJsonObject("will");
        p.add(pair("will", will == null ? "none" : will.getString("topic") + " (qos " + will.getValue("qos")
                + (Boolean.TRUE.equals(will.getBoolean("retain")) ? ", retained" : "") + ", delay "
                + will.getValue("delaySeconds") + " s, " + will.getValue("payloadBytes") + " bytes)"));
        Table.printPairs(out, p);
        JsonArray subs = c.getJsonArray("subscriptions", new JsonArray());
        out.println();
        if (subs.isEmpty()) {
            out.println("no subscriptions");
            return;
        }
        Table t = new Table("FILTER", "QOS", "NO LOCAL", "RETAIN AS PUBLISHED", "RETAIN HANDLING", "SUBSCRIPTION ID");
        for (int i = 0; i < subs.size(); i++) {
            JsonObject s = subs.getJsonObject(i);
            t.row(s.getString("filter"), s.getValue("qos"), yesNo(s.getBoolean("noLocal")),
                    yesNo(s.getBoolean("retainAsPublished")), s.getValue("retainHandling"), s.getValue("subscriptionId"));
        }
        t.print(out);
    }

    private void clientsKick(String id) {
        ApiClient.Answer r = node.get().post("/api/v1/clients/" + ApiClient.segment(id) + "/kick");
        if (json) {
            out.println(r.body());
            return;
        }
        String where = r.json().getString("node");
        out.println("kicked " + Table.clean(id) + (where == null ? "" : " on node " + Table.clean(where)));
    }

    private void sessionsDelete(String id) {
        ApiClient.Answer r = node.get().delete("/api/v1/sessions/" + ApiClient.segment(id));
        if (json) {
            out.println(r.body());
            return;
        }
        out.println("deleted the session of " + Table.clean(id));
    }

    // --- subscriptions and retained

    private void subscriptions() {
        a.allowOnly("subscriptions", union(PAGING, Set.of("--filter", "--client")));
        a.arguments(1, 0, "subscriptions [options]");
        Map<String, String> q = new LinkedHashMap<>();
        q.put("filter", a.option("--filter"));
        q.put("clientId", a.option("--client"));
        Page page = list("/api/v1/subscriptions", q);
        if (json) {
            return;
        }
        Table t = new Table("FILTER", "CLIENT ID", "QOS", "SHARE GROUP", "NODE");
        for (JsonObject s : page.items) {
            t.row(s.getString("filter"), s.getString("clientId"), s.getValue("qos"), s.getString("shareGroup"),
                    s.getString("node"));
        }
        printTable(t, page, "subscriptions");
    }

    private void retained() {
        a.allowOnly("retained", union(PAGING, Set.of("--filter")));
        a.arguments(1, 0, "retained [options]");
        Map<String, String> q = new LinkedHashMap<>();
        q.put("filter", a.option("--filter"));
        Page page = list("/api/v1/retained", q);
        if (json) {
            return;
        }
        Table t = new Table("TOPIC", "QOS", "BYTES", "CONTENT TYPE", "EXPIRES AT", "PREVIEW");
        for (JsonObject m : page.items) {
            String preview = m.getString("preview");
            t.row(m.getString("topic"), m.getValue("qos"), m.getValue("payloadBytes"), m.getString("contentType"),
                    m.getString("expiresAt"), preview != null ? preview
                            : m.getString("previewBase64") == null ? null : "base64:" + m.getString("previewBase64"));
        }
        printTable(t, page, "retained messages");
    }

    // --- cluster and nodes

    private void clusterStatus() {
        a.allowOnly("cluster status", Set.of());
        a.arguments(2, 0, "cluster status");
        ApiClient.Answer r = node.get().get("/api/v1/cluster", Map.of());
        if (json) {
            out.println(r.body());
            return;
        }
        JsonObject c = r.json();
        JsonObject quorum = c.getJsonObject("quorum", new JsonObject());
        JsonObject sessions = c.getJsonObject("sessions", new JsonObject());
        List<String[]> p = new ArrayList<>();
        if (c.containsKey("clusterName")) {
            p.add(pair("cluster", c.getString("clusterName")));
        }
        p.add(pair("answered by", c.getString("self")));
        p.add(pair("quorum", (Boolean.TRUE.equals(quorum.getBoolean("ok")) ? "ok" : "NOT MET") + " ("
                + quorum.getValue("members") + " members, " + quorum.getValue("required") + " required)"));
        p.add(pair("partitions", Boolean.TRUE.equals(c.getBoolean("partitionsSafe")) ? "safe" : "NOT SAFE (migrating or missing backups)"));
        p.add(pair("sessions", sessions.getValue("total") + " (" + sessions.getValue("offline") + " offline)"));
        p.add(pair("grafana", c.getString("grafanaUrl")));
        Table.printPairs(out, p);
        out.println();
        Table t = new Table("NODE", "ID", "SELF", "READY", "DRAINING", "REACHABLE", "CONNECTIONS", "MESSAGES IN",
                "MESSAGES OUT");
        JsonArray members = c.getJsonArray("members", new JsonArray());
        for (int i = 0; i < members.size(); i++) {
            JsonObject m = members.getJsonObject(i);
            t.row(m.getString("name"), m.getString("id"), Boolean.TRUE.equals(m.getBoolean("self")) ? "*" : "",
                    yesNo(m.getBoolean("ready")), yesNo(m.getBoolean("draining")), yesNo(m.getBoolean("reachable")),
                    m.getValue("connections"), m.getValue("messagesIn"), m.getValue("messagesOut"));
        }
        t.print(out);
    }

    private void drain(String name, boolean drain) {
        ApiClient.Answer r = node.get().post("/api/v1/nodes/" + ApiClient.segment(name) + (drain ? "/drain" : "/undrain"));
        if (json) {
            out.println(r.body());
            return;
        }
        out.println(drain ? "node " + Table.clean(name) + " is draining: it takes no new clients"
                : "node " + Table.clean(name) + " takes new clients again");
    }

    // --- the gateway's view

    private void gatewayRoute(String id) {
        ApiClient.Answer r = gateway.get().get("/route", Map.of("client_id", id));
        if (json) {
            out.println(r.body());
            return;
        }
        JsonObject g = r.json();
        JsonArray order = g.getJsonArray("order", new JsonArray());
        List<String> fallbacks = new ArrayList<>();
        for (int i = 1; i < order.size(); i++) {
            fallbacks.add(String.valueOf(order.getValue(i)));
        }
        List<String[]> p = new ArrayList<>();
        p.add(pair("client id", g.getString("client_id")));
        p.add(pair("node", g.getString("node") == null ? "none (no ready node)" : g.getString("node")));
        p.add(pair("reason", g.getString("reason")));
        p.add(pair("fallbacks", fallbacks.isEmpty() ? null : String.join(", ", fallbacks)));
        Table.printPairs(out, p);
    }

    private void gatewayNodes() {
        a.allowOnly("gateway nodes", Set.of("--gateway"));
        a.arguments(2, 0, "gateway nodes");
        ApiClient.Answer r = gateway.get().get("/nodes", Map.of());
        if (json) {
            out.println(r.body());
            return;
        }
        JsonArray nodes;
        try {
            nodes = new JsonArray(r.body());
        } catch (RuntimeException e) {
            throw new ApiClient.CallFailed(Ctl.EXIT_ERROR, "the gateway did not answer a JSON array");
        }
        Table t = new Table("NODE", "HOST", "MQTT PORT", "HTTP PORT", "STATE", "HEALTHY", "DRAINING", "RETIRED",
                "CONNECTIONS");
        for (int i = 0; i < nodes.size(); i++) {
            JsonObject n = nodes.getJsonObject(i);
            t.row(n.getString("node"), n.getString("host"), n.getValue("mqtt_port"), n.getValue("http_port"),
                    n.getString("state"), yesNo(n.getBoolean("healthy")), yesNo(n.getBoolean("draining")),
                    yesNo(n.getBoolean("retired")), n.getValue("connections"));
        }
        t.print(out);
    }

    // --- paging and cells

    /** The items of one page, or of every page with --all, and the cursor of the page after them. */
    private record Page(List<JsonObject> items, String next) {
    }

    /**
     * Reads a list call: one page, or with {@code --all} every page through {@code next}. With {@code --json} it
     * also prints: one page as sent, all pages as one {@code {"items": [...], "next": null}}.
     */
    private Page list(String path, Map<String, String> query) {
        String limit = a.option("--limit");
        if (limit != null) {
            int n;
            try {
                n = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 1000) {
                throw new CtlArgs.UsageException("--limit is a number from 1 to 1000, not '" + limit + "'");
            }
        }
        boolean all = a.flag("--all");
        ApiClient api = node.get();
        List<JsonObject> items = new ArrayList<>();
        String after = a.option("--after");
        while (true) {
            Map<String, String> q = new LinkedHashMap<>(query);
            q.put("limit", limit);
            q.put("after", after);
            ApiClient.Answer r = api.get(path, q);
            if (json && !all) {
                out.println(r.body());
                return new Page(List.of(), null);
            }
            JsonObject page = r.json();
            JsonArray pageItems = page.getJsonArray("items", new JsonArray());
            for (int i = 0; i < pageItems.size(); i++) {
                items.add(pageItems.getJsonObject(i));
            }
            String next = page.getString("next");
            if (!all || next == null) {
                if (json) {
                    out.println(new JsonObject().put("items", new JsonArray(new ArrayList<Object>(items))).putNull("next").encode());
                }
                return new Page(items, next);
            }
            if (next.equals(after)) {
                throw new ApiClient.CallFailed(Ctl.EXIT_ERROR, "the server sent the same cursor twice: " + Table.clean(next));
            }
            after = next;
        }
    }

    private void printTable(Table t, Page page, String what) {
        if (t.size() == 0) {
            out.println("no " + what);
        } else {
            t.print(out);
        }
        if (page.next != null) {
            out.println("(more: --after " + Table.clean(page.next) + ", or --all for every page)");
        }
    }

    private static String[] pair(String key, Object value) {
        return new String[]{key, value == null ? null : String.valueOf(value)};
    }

    private static String state(Boolean connected) {
        return connected == null ? null : connected ? "connected" : "offline";
    }

    private static String yesNo(Boolean b) {
        return b == null ? null : b ? "yes" : "no";
    }

    private static String protocol(Integer v) {
        if (v == null) {
            return null;
        }
        return switch (v) {
            case 3 -> "3.1";
            case 4 -> "3.1.1";
            case 5 -> "5.0";
            default -> String.valueOf(v);
        };
    }

    private static Set<String> union(Set<String> x, Set<String> y) {
        Set<String> s = new java.util.HashSet<>(x);
        s.addAll(y);
        return s;
    }
}
