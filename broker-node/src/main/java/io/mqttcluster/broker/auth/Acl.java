package io.mqttcluster.broker.auth;

import io.mqttcluster.cluster.topic.Topics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Access rules for topics, read from an ACL file. One rule per line; the first rule that applies decides,
 * and {@code default allow|deny} decides when none does:
 * <pre>
 *   # action:   publish | subscribe | pubsub
 *   # who:      everyone, or "user NAME", "client ID", or both (both must match)
 *   default deny
 *   allow pubsub    devices/%c/#                 # %c: the client id
 *   allow publish   telemetry/%u/+               # %u: the user name
 *   allow subscribe $SYS/#           user admin
 *   deny  subscribe fleet/+/secrets/#
 *   allow subscribe fleet/#
 *   allow share     workers-%u                   # shared-subscription groups: $share/workers-alice/...
 *   allow share     *               user backend
 * </pre>
 *
 * <p>Publishing: a rule applies when its topic filter matches the topic. Receiving: the {@code subscribe} rules
 * decide per topic in the same way, first match wins; a subscription gets exactly the topics its client may
 * receive. So with {@code deny subscribe fleet/+/secrets/#}, a subscription to {@code fleet/#} is granted and
 * gets everything under {@code fleet/} except the secrets (as in Mosquitto); a filter that lies wholly inside
 * denied topics is refused at SUBSCRIBE. {@link ClientAcl#subscribe} says which of the three a filter is, so
 * only subscriptions that are partly denied cost a check per message.
 *
 * <p>A shared subscription {@code $share/G/F} needs {@code F} allowed as above and the group {@code G} allowed by
 * the {@code share} rules: first match wins ({@code *} matches every group), then the default. Without any
 * {@code share} rule in the file, every group may be joined (files written before groups had rules keep working).
 * A group is a team's queue: whoever joins it takes a share of its messages.
 *
 * <p>{@code %u} and {@code %c} are replaced by the user name and client id; a rule with {@code %u} does not
 * apply to a client without a user name, and neither applies when the value is empty, starts with {@code $}
 * (which would turn the rule into one for {@code $SYS} or other system topics) or holds {@code /}, {@code +}
 * or {@code #}, which would widen the rule to other clients' topics.
 */
public final class Acl {

    public enum Action { PUBLISH, SUBSCRIBE }

    /** What a subscription may receive: every topic of its filter, some of them (checked per message), or none. */
    public enum Grant { ALL, SOME, NONE }

    private final List<Rule> rules;
    private final boolean defaultAllow;

    private Acl(List<Rule> rules, boolean defaultAllow) {
        this.rules = List.copyOf(rules);
        this.defaultAllow = defaultAllow;
    }

    /** Everything allowed: no ACL file. */
    public static Acl allowAll() {
        return new Acl(List.of(), true);
    }

    public static Acl load(Path file, boolean defaultAllow) throws IOException {
        return parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8), defaultAllow);
    }

    /**
     * @param defaultAllow the decision when no rule applies, unless the file says {@code default ...}
     * @throws IllegalArgumentException "file:line: problem" for the first bad line
     */
    public static Acl parse(String name, List<String> lines, boolean defaultAllow) {
        List<Rule> rules = new ArrayList<>();
        boolean dflt = defaultAllow;
        boolean defaultSeen = false;
        for (int i = 0; i < lines.size(); i++) {
            String[] w = words(lines.get(i));
            if (w.length == 0) {
                continue;
            }
            String where = name + ":" + (i + 1) + ": ";
            String verb = w[0].toLowerCase(Locale.ROOT);
            if (verb.equals("default")) {
                if (w.length != 2 || !(w[1].equals("allow") || w[1].equals("deny"))) {
                    throw new IllegalArgumentException(where + "expected 'default allow' or 'default deny'");
                }
                if (defaultSeen) {
                    throw new IllegalArgumentException(where + "a second 'default' line");
                }
                defaultSeen = true;
                dflt = w[1].equals("allow");
                continue;
            }
            if (!verb.equals("allow") && !verb.equals("deny")) {
                throw new IllegalArgumentException(where + "a rule starts with allow, deny or default, not '" + w[0] + "'");
            }
            if (w.length < 3) {
                throw new IllegalArgumentException(where + "expected '" + verb + " publish|subscribe|pubsub FILTER [user NAME] [client ID]'");
            }
            boolean pub;
            boolean sub;
            if (w[1].equalsIgnoreCase("share")) {
                String group = w[2];
                String bare = group.replace("%u", "u").replace("%c", "c");
                if (!group.equals("*") && (bare.indexOf('/') >= 0 || bare.indexOf('+') >= 0 || bare.indexOf('#') >= 0
                        || bare.indexOf('*') >= 0)) {
                    throw new IllegalArgumentException(where + "share group '" + group
                            + "': a group name (no /, + or #; %u and %c allowed) or * for every group");
                }
                String[] who = who(where, w);
                rules.add(new Rule(verb.equals("allow"), false, false, true, group, who[0], who[1]));
                continue;
            }
            switch (w[1].toLowerCase(Locale.ROOT)) {
                case "publish" -> { pub = true; sub = false; }
                case "subscribe" -> { pub = false; sub = true; }
                case "pubsub", "both", "all" -> { pub = true; sub = true; }
                default -> throw new IllegalArgumentException(where + "action must be publish, subscribe, pubsub or share, not '" + w[1] + "'");
            }
            String filter = w[2];
            String problem = Topics.checkFilter(filter.replace("%u", "u").replace("%c", "c"),
                    io.mqttcluster.cluster.topic.TopicLimits.SPEC);
            if (problem != null) {
                throw new IllegalArgumentException(where + "topic filter '" + filter + "': " + problem);
            }
            String[] who = who(where, w);
            rules.add(new Rule(verb.equals("allow"), pub, sub, false, filter, who[0], who[1]));
        }
        return new Acl(rules, dflt);
    }

    /** The optional {@code user NAME} and {@code client ID} after a rule's third word. */
    private static String[] who(String where, String[] w) {
        String[] userClient = new String[2];
        for (int k = 3; k < w.length; k += 2) {
            if (k + 1 >= w.length) {
                throw new IllegalArgumentException(where + "'" + w[k] + "' needs a value");
            }
            switch (w[k].toLowerCase(Locale.ROOT)) {
                case "user" -> userClient[0] = w[k + 1];
                case "client" -> userClient[1] = w[k + 1];
                default -> throw new IllegalArgumentException(where + "expected 'user NAME' or 'client ID', not '" + w[k] + "'");
            }
        }
        return userClient;
    }

    /**
     * The words of a line without its comment: a word starting with '#' begins a comment, except in the
     * third place, where it is the topic filter ({@code allow subscribe # user admin}).
     */
    private static String[] words(String line) {
        String[] w = line.strip().split("\\s+");
        if (w.length == 1 && w[0].isEmpty()) {
            return new String[0];
        }
        for (int k = 0; k < w.length; k++) {
            if (k != 2 && w[k].startsWith("#")) {
                return java.util.Arrays.copyOf(w, k);
            }
        }
        return w;
    }

    public int size() {
        return rules.size();
    }

    public boolean defaultAllow() {
        return defaultAllow;
    }

    /** The rules that concern one client, with %u and %c filled in; checks against it are cheap. */
    public ClientAcl forClient(String user, String clientId) {
        if (rules.isEmpty()) {
            return new ClientAcl(new ClientRule[0], null, defaultAllow);
        }
        List<ClientRule> mine = new ArrayList<>();
        List<ShareRule> shares = null;
        for (Rule r : rules) {
            if (r.user != null && !r.user.equals(user)) {
                continue;
            }
            if (r.client != null && !r.client.equals(clientId)) {
                continue;
            }
            String f = r.filter;
            if (f.contains("%u")) {
                if (!substitutable(user)) {
                    continue;
                }
                f = f.replace("%u", user);
            }
            if (f.contains("%c")) {
                if (!substitutable(clientId)) {
                    continue;
                }
                f = f.replace("%c", clientId);
            }
            if (r.share) {
                if (shares == null) {
                    shares = new ArrayList<>();
                }
                shares.add(new ShareRule(r.allow, f.equals("*") ? null : f));
                continue;
            }
            mine.add(new ClientRule(r.allow, r.publish, r.subscribe, Topics.levels(f)));
        }
        boolean anyShareRule = rules.stream().anyMatch(Rule::share);
        return new ClientAcl(mine.toArray(new ClientRule[0]),
                anyShareRule ? (shares == null ? new ShareRule[0] : shares.toArray(new ShareRule[0])) : null, defaultAllow);
    }

    private static boolean substitutable(String v) {
        return v != null && !v.isEmpty() && v.charAt(0) != '$'
                && v.indexOf('/') < 0 && v.indexOf('+') < 0 && v.indexOf('#') < 0;
    }

    /** @param filter the topic filter, or the group name of a {@code share} rule */
    private record Rule(boolean allow, boolean publish, boolean subscribe, boolean share, String filter, String user, String client) {
    }

    private record ClientRule(boolean allow, boolean publish, boolean subscribe, String[] levels) {
    }

    /** @param group the group, or null for every group */
    private record ShareRule(boolean allow, String group) {
    }

    /** One client's view of the rules. Immutable; safe to share. */
    public static final class ClientAcl {
        private final ClientRule[] rules;
        /** The share rules that concern this client; null when the file has none (every group may be joined). */
        private final ShareRule[] shares;
        private final boolean defaultAllow;

        private ClientAcl(ClientRule[] rules, ShareRule[] shares, boolean defaultAllow) {
            this.rules = rules;
            this.shares = shares;
            this.defaultAllow = defaultAllow;
        }

        public boolean allowsEverything() {
            return rules.length == 0 && shares == null && defaultAllow;
        }

        /** May this client join the shared-subscription group {@code group}? */
        public boolean canJoin(String group) {
            if (shares == null) {
                return true;
            }
            for (ShareRule r : shares) {
                if (r.group == null || r.group.equals(group)) {
                    return r.allow;
                }
            }
            return defaultAllow;
        }

        /** May this client publish to {@code topic} (a valid topic name)? */
        public boolean canPublish(String topic) {
            return decide(true, topic);
        }

        /** May this client subscribe to {@code filter}: is any topic it matches one the client may receive? */
        public boolean canSubscribe(String filter) {
            return subscribe(filter) != Grant.NONE;
        }

        /**
         * What a subscription to {@code filter} (a valid filter, without a $share/group/ prefix) may receive: every
         * topic it matches, some of them (then each message is checked with {@link #canReceive}), or none (refused).
         * Only the rules that share a topic with the filter matter: those before the first one that covers it
         * decide parts of it, that one (or the default) decides the rest.
         */
        public Grant subscribe(String filter) {
            if (rules.length == 0) {
                return defaultAllow ? Grant.ALL : Grant.NONE;
            }
            String[] f = Topics.levels(filter);
            boolean someAllowed = false;
            boolean someDenied = false;
            boolean rest = defaultAllow;
            for (ClientRule r : rules) {
                if (!r.subscribe || !overlaps(r.levels, 0, f, 0)) {
                    continue;
                }
                if (covers(r.levels, f)) {
                    rest = r.allow;
                    break;
                }
                someAllowed |= r.allow;
                someDenied |= !r.allow;
            }
            someAllowed |= rest;
            someDenied |= !rest;
            return someAllowed && someDenied ? Grant.SOME : someAllowed ? Grant.ALL : Grant.NONE;
        }

        /** May this client receive a message on {@code topic}: the first {@code subscribe} rule matching it decides. */
        public boolean canReceive(String topic) {
            return decide(false, topic);
        }

        /** The first publish (or subscribe) rule whose filter matches the topic decides; else the default. */
        private boolean decide(boolean publish, String topic) {
            if (rules.length == 0) {
                return defaultAllow;
            }
            String[] t = Topics.levels(topic);
            for (ClientRule r : rules) {
                if ((publish ? r.publish : r.subscribe) && covers(r.levels, t)) {
                    return r.allow;
                }
            }
            return defaultAllow;
        }
    }

    /**
     * Whether every topic that {@code f} matches is also matched by {@code p} (a topic name is a filter
     * matching itself). Topics starting with '$' are not matched by a leading wildcard.
     */
    static boolean covers(String[] p, String[] f) {
        for (int i = 0; ; i++) {
            if (i == p.length) {
                return i == f.length;
            }
            String pl = p[i];
            if (pl.equals("#")) {
                return i > 0 || f.length == 0 || !f[0].startsWith("$");
            }
            if (i == f.length) {
                // f ended: p covers it only if p's rest is "#" ("a/#" matches "a")
                return i + 1 == p.length && p[i].equals("#");
            }
            String fl = f[i];
            if (fl.equals("#")) {
                // "#" from here: at the first level it matches one or more levels, which "+/#" covers too;
                // deeper it also matches the parent ("a/#" matches "a"), which only "#" covers
                return i == 0 && i + 2 == p.length && pl.equals("+") && p[i + 1].equals("#");
            }
            if (pl.equals("+")) {
                if (i == 0 && fl.startsWith("$")) {
                    return false;
                }
                continue;
            }
            if (!pl.equals(fl)) {
                return false;
            }
        }
    }

    /** Whether some topic is matched by both filters. */
    static boolean overlaps(String[] a, int i, String[] b, int j) {
        while (true) {
            boolean aEnd = i == a.length;
            boolean bEnd = j == b.length;
            if (aEnd && bEnd) {
                return true;
            }
            if (aEnd) {
                return b.length - j == 1 && b[j].equals("#");
            }
            if (bEnd) {
                return a.length - i == 1 && a[i].equals("#");
            }
            String x = a[i];
            String y = b[j];
            if (i == 0 && j == 0 && (isWild(x) && y.startsWith("$") || isWild(y) && x.startsWith("$"))) {
                return false;
            }
            if (x.equals("#") || y.equals("#")) {
                return true;
            }
            if (!(x.equals("+") || y.equals("+") || x.equals(y))) {
                return false;
            }
            i++;
            j++;
        }
    }

    private static boolean isWild(String level) {
        return level.equals("+") || level.equals("#");
    }
}
