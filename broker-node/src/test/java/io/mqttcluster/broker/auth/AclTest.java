package io.mqttcluster.broker.auth;

import io.mqttcluster.cluster.topic.Topics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AclTest {

    private static Acl acl(String text) {
        return Acl.parse("acl", text.lines().toList(), false);
    }

    @Test
    void firstApplyingRuleDecidesThenTheDefault() {
        Acl a = acl("""
                # comment line
                deny  publish  alarms/test        # trailing comment
                allow publish  alarms/#
                allow subscribe # user admin
                """);
        Acl.ClientAcl c = a.forClient("u", "c");
        assertThat(c.canPublish("alarms/fire")).isTrue();
        assertThat(c.canPublish("alarms/test")).isFalse();
        assertThat(c.canPublish("other")).isFalse(); // default deny
        assertThat(c.canSubscribe("alarms/#")).isFalse();
        assertThat(a.forClient("admin", "c").canSubscribe("#")).isTrue();
        assertThat(acl("default allow\n").forClient(null, "c").canPublish("x")).isTrue();
    }

    @Test
    void substitutionNeverWidensARule() {
        Acl a = acl("allow pubsub devices/%c/#\nallow pubsub users/%u/#\n");
        assertThat(a.forClient("bob", "d1").canPublish("devices/d1/t")).isTrue();
        assertThat(a.forClient("bob", "d1").canPublish("devices/d2/t")).isFalse();
        assertThat(a.forClient("bob", "d1").canSubscribe("users/bob/+")).isTrue();
        // no user name: %u rules do not apply
        assertThat(a.forClient(null, "d1").canPublish("users/null/x")).isFalse();
        // ids with wildcards or separators do not substitute
        assertThat(a.forClient("b", "#").canSubscribe("devices/#")).isFalse();
        assertThat(a.forClient("b", "+").canPublish("devices/x/t")).isFalse();
        assertThat(a.forClient("b", "d1/sub").canPublish("devices/d1/sub/t")).isFalse();
        assertThat(a.forClient("+", "c").canSubscribe("users/x/y")).isFalse();
    }

    @Test
    void aFilterPartlyDenied_isGranted_andGetsOnlyTheTopicsTheClientMayReceive() {
        Acl a = acl("deny subscribe fleet/+/secrets/#\nallow subscribe fleet/#\nallow subscribe a/+/c\n");
        Acl.ClientAcl c = a.forClient(null, "x");
        assertThat(c.subscribe("fleet/t1/speed")).isEqualTo(Acl.Grant.ALL);
        assertThat(c.subscribe("fleet/+/speed")).isEqualTo(Acl.Grant.ALL);
        assertThat(c.subscribe("fleet/t1/secrets")).isEqualTo(Acl.Grant.NONE); // wholly inside the denied area
        assertThat(c.subscribe("fleet/#")).isEqualTo(Acl.Grant.SOME);         // granted, secrets filtered out
        assertThat(c.subscribe("fleet/+/+")).isEqualTo(Acl.Grant.SOME);
        assertThat(c.canReceive("fleet/t1/speed")).isTrue();
        assertThat(c.canReceive("fleet/t1/secrets")).isFalse();
        assertThat(c.canReceive("fleet/t1/secrets/key")).isFalse();
        assertThat(c.subscribe("a/b/c")).isEqualTo(Acl.Grant.ALL);
        assertThat(c.subscribe("a/+/c")).isEqualTo(Acl.Grant.ALL);
        assertThat(c.subscribe("a/#")).isEqualTo(Acl.Grant.SOME);             // wider than a/+/c: the rest is default deny
        assertThat(c.canReceive("a/b/c")).isTrue();
        assertThat(c.canReceive("a/b/d")).isFalse();
        assertThat(c.subscribe("b/#")).isEqualTo(Acl.Grant.NONE);             // default deny, no rule allows any of it
    }

    @Test
    void mosquittosInteropAcl_denyingOneTopic_leavesWildcardSubscriptionsWorking() {
        Acl.ClientAcl c = acl("default allow\ndeny subscribe test/nosubscribe\n").forClient(null, "x");
        assertThat(c.subscribe("#")).isEqualTo(Acl.Grant.SOME);
        assertThat(c.subscribe("+/+")).isEqualTo(Acl.Grant.SOME);
        assertThat(c.subscribe("test/+")).isEqualTo(Acl.Grant.SOME);
        assertThat(c.subscribe("other/#")).isEqualTo(Acl.Grant.ALL);
        assertThat(c.subscribe("test/nosubscribe")).isEqualTo(Acl.Grant.NONE);
        assertThat(c.canReceive("test/nosubscribe")).isFalse();
        assertThat(c.canReceive("test/yes")).isTrue();
    }

    @Test
    void dollarTopicsAreNotCoveredByLeadingWildcards() {
        Acl a = acl("allow subscribe #\nallow publish +/x\n");
        Acl.ClientAcl c = a.forClient(null, "x");
        assertThat(c.canSubscribe("$SYS/#")).isFalse();
        assertThat(c.canSubscribe("anything/#")).isTrue();
        assertThat(acl("allow subscribe $SYS/#\n").forClient(null, "x").canSubscribe("$SYS/broker/+/uptime")).isTrue();
        assertThat(acl("deny subscribe #\nallow subscribe $SYS/#\n").forClient(null, "x").canSubscribe("$SYS/a")).isTrue();
    }

    @Test
    void coversAndOverlapsAgreeWithTopicMatching() {
        // every topic of a small universe: covers(p, f) must equal "all topics matching f match p";
        // overlaps(p, f) "some topic matches both"
        List<String> levels = List.of("a", "b", "$s");
        List<String> topics = new java.util.ArrayList<>();
        for (String x : levels) {
            topics.add(x);
            for (String y : levels) {
                topics.add(x + "/" + y);
                for (String z : levels) {
                    topics.add(x + "/" + y + "/" + z);
                }
            }
        }
        List<String> filters = new java.util.ArrayList<>(List.of("#", "+", "+/#", "a/#", "a/+", "+/b", "a/+/#", "+/+/+",
                "a/b", "$s/#", "$s/+", "a/b/#", "+/+", "b/+/a"));
        filters.addAll(topics.stream().filter(t -> !t.startsWith("$")).limit(8).toList());
        Random r = new Random(7);
        for (String p : filters) {
            for (String f : filters) {
                boolean all = true;
                boolean some = false;
                boolean any = false;
                for (String t : topics) {
                    if (Topics.matches(f, t)) {
                        any = true;
                        boolean m = Topics.matches(p, t);
                        all &= m;
                        some |= m;
                    }
                }
                String[] pl = Topics.levels(p);
                String[] fl = Topics.levels(f);
                if (any) {
                    assertThat(Acl.covers(pl, fl)).as("covers(%s, %s)", p, f).isEqualTo(all);
                }
                // overlaps is symmetric and exact over this universe
                boolean someBoth = false;
                for (String t : topics) {
                    if (Topics.matches(f, t) && Topics.matches(p, t)) {
                        someBoth = true;
                    }
                }
                assertThat(Acl.overlaps(pl, 0, fl, 0)).as("overlaps(%s, %s)", p, f).isEqualTo(someBoth);
            }
        }
        assertThat(r).isNotNull();
    }

    @Test
    void badLinesNameFileAndLine() {
        assertThatThrownBy(() -> acl("allow publish a\npermit publish b\n")).hasMessageStartingWith("acl:2:");
        assertThatThrownBy(() -> acl("allow publish\n")).hasMessageStartingWith("acl:1:");
        assertThatThrownBy(() -> acl("allow read a\n")).hasMessageContaining("publish, subscribe, pubsub or share");
        assertThatThrownBy(() -> acl("allow publish a/#/b\n")).hasMessageContaining("a/#/b");
        assertThatThrownBy(() -> acl("allow publish a user\n")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> acl("default maybe\n")).hasMessageContaining("default");
    }

    @Test
    void aClientIdOrUserStartingWithDollar_isNeverSubstituted() {
        Acl a = acl("allow pubsub %c/#\nallow pubsub %u/#\n");
        Acl.ClientAcl sys = a.forClient("$SYS", "$SYS");
        assertThat(sys.canSubscribe("$SYS/#")).isFalse();
        assertThat(sys.canPublish("$SYS/broker/uptime")).isFalse();
        assertThat(a.forClient("alice", "truck-1").canSubscribe("truck-1/#")).isTrue();
        assertThat(a.forClient("alice", "truck-1").canPublish("alice/x")).isTrue();
    }

    @Test
    void shareRulesDecideWhichGroupsAClientMayJoin_firstMatchThenTheDefault() {
        Acl a = acl("""
                allow subscribe jobs/#
                allow share workers user backend
                allow share team-%u
                deny share *  user intern
                """);
        assertThat(a.forClient("backend", "b1").canJoin("workers")).isTrue();
        assertThat(a.forClient("alice", "a1").canJoin("workers")).as("another team's group").isFalse();
        assertThat(a.forClient("alice", "a1").canJoin("team-alice")).isTrue();
        assertThat(a.forClient("alice", "a1").canJoin("team-bob")).isFalse();
        assertThat(a.forClient("$x", "a1").canJoin("team-$x")).as("no $ substitution").isFalse();
        assertThat(a.forClient("intern", "i1").canJoin("team-intern")).as("first match wins").isTrue();
        assertThat(a.forClient("intern", "i1").canJoin("workers")).isFalse();
        assertThat(a.forClient("alice", "a1").allowsEverything()).isFalse();

        Acl noShareRules = acl("allow subscribe jobs/#\n");
        assertThat(noShareRules.forClient("alice", "a1").canJoin("anything")).as("files without share rules: as before").isTrue();
        assertThat(Acl.parse("acl", List.of("allow share * user ops", "default allow"), false).forClient("bob", "b").canJoin("g"))
                .as("the default").isTrue();
        assertThatThrownBy(() -> acl("allow share a/b\n")).hasMessageContaining("share group");
        assertThatThrownBy(() -> acl("allow share team-*\n")).hasMessageContaining("share group");
    }
}
