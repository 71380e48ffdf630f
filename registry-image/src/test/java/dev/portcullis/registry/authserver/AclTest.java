package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.AccessEntry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AclTest {
    private static AclRule rule(String account, String name, String type, List<String> actions) {
        return new AclRule(account == null ? null : AclPattern.compile(account), name == null ? null : AclPattern.compile(name),
                type == null ? null : AclPattern.compile(type), null, null, actions, "");
    }

    private static AccessEntry repo(String name, String... actions) {
        return new AccessEntry("repository", name, List.of(actions));
    }

    /** docker_auth's reference example, trimmed to what Portcullis supports. */
    private final Acl acl = new Acl(List.of(
            rule("admin", null, null, List.of("*")),
            rule("test", "test-*", null, List.of("*")),
            rule("test", null, null, List.of()),
            rule("/.+/", "${account}/*", null, List.of("*")),
            rule("/.+/", "catalog", "registry", List.of("*")),
            rule("puller", null, null, List.of("pull")),
            rule("", "hello-world", null, List.of("pull"))));

    @Test
    void usersOwnTheirNamespace() {
        assertEquals(List.of(repo("alice/app", "pull", "push")), acl.authorize("alice", "svc", List.of(repo("alice/app", "pull", "push"))));
        assertEquals(List.of(), acl.authorize("alice", "svc", List.of(repo("bob/app", "pull", "push"))));
    }

    @Test
    void globStarDoesNotCrossSlash() {
        // Go path.Match semantics, as docker_auth: alice/* is one level deep.
        assertEquals(List.of(), acl.authorize("alice", "svc", List.of(repo("alice/team/app", "pull"))));
    }

    @Test
    void firstMatchDecidesAndDenyRulesStopEvaluation() {
        assertEquals(List.of(repo("test-1", "push")), acl.authorize("test", "svc", List.of(repo("test-1", "push"))));
        // "test" matches the deny rule before reaching ${account}/*.
        assertEquals(List.of(), acl.authorize("test", "svc", List.of(repo("test/app", "pull"))));
    }

    @Test
    void partialGrantIsTheIntersection() {
        assertEquals(List.of(repo("anything", "pull")), acl.authorize("puller", "svc", List.of(repo("anything", "pull", "push", "delete"))));
    }

    @Test
    void anonymousMatchesTheEmptyAccountOnly() {
        assertEquals(List.of(repo("hello-world", "pull")), acl.authorize("", "svc", List.of(repo("hello-world", "pull", "push"))));
        assertEquals(List.of(), acl.authorize("", "svc", List.of(repo("other", "pull"))));
    }

    @Test
    void denyByDefault() {
        assertEquals(List.of(), acl.authorize("stranger", "svc", List.of(new AccessEntry("registry", "catalog", List.of("*")))).stream()
                .filter(e -> !e.name().equals("catalog")).toList());
        assertEquals(List.of(), new Acl(List.of()).authorize("admin", "svc", List.of(repo("a", "pull"))));
    }

    @Test
    void typeIsMatched() {
        assertEquals(List.of(new AccessEntry("registry", "catalog", List.of("*"))),
                acl.authorize("alice", "svc", List.of(new AccessEntry("registry", "catalog", List.of("*")))));
    }

    @Test
    void placeholderValuesAreLiteralNotWildcards() {
        // An account literally named "a*" must not own every namespace starting with "a".
        assertEquals(List.of(), acl.authorize("a*", "svc", List.of(repo("alice/app", "pull"))));
        AclPattern p = AclPattern.compile("/^${account}-.*$/");
        assertTrue(p.matches("a.b-x", Map.of("account", "a.b")));
        assertFalse(p.matches("aXb-x", Map.of("account", "a.b")));
    }

    @Test
    void regexIsUnanchoredAsInDockerAuth() {
        assertTrue(AclPattern.compile("/lice/").matches("malice", Map.of()));
        assertFalse(AclPattern.compile("/^lice$/").matches("malice", Map.of()));
    }

    @Test
    void kubernetesServiceAccountsCanBeMatched() {
        Acl k8s = new Acl(List.of(rule("system:serviceaccount:ci:*", "ci/*", null, List.of("pull", "push"))));
        assertEquals(List.of(repo("ci/app", "push")), k8s.authorize("system:serviceaccount:ci:builder", "svc", List.of(repo("ci/app", "push"))));
        assertEquals(List.of(), k8s.authorize("system:serviceaccount:dev:builder", "svc", List.of(repo("ci/app", "push"))));
    }

    @Test
    void ipRulesMatchAddressesAndSubnets() {
        Acl byIp = new Acl(List.of(
                new AclRule(null, null, null, null, IpMatch.parse("127.0.0.0/8"), List.of("*"), "loopback"),
                new AclRule(null, null, null, null, IpMatch.parse("::1"), List.of("*"), "loopback v6"),
                new AclRule(null, null, null, null, IpMatch.parse("10.1.0.0/23"), List.of("pull"), "")));
        List<AccessEntry> want = List.of(repo("x", "pull", "push"));
        assertEquals(want, byIp.authorize("", "svc", "127.9.9.9", want));
        assertEquals(want, byIp.authorize("", "svc", "::ffff:127.0.0.1", want));
        assertEquals(want, byIp.authorize("", "svc", "0:0:0:0:0:0:0:1", want));
        assertEquals(List.of(repo("x", "pull")), byIp.authorize("", "svc", "10.1.1.200", want));
        assertEquals(List.of(), byIp.authorize("", "svc", "10.1.2.1", want));
        assertEquals(List.of(), byIp.authorize("", "svc", null, want));
        assertThrows(IllegalArgumentException.class, () -> IpMatch.parse("example.com"));
        assertThrows(IllegalArgumentException.class, () -> IpMatch.parse("10.0.0.0/33"));
    }

    @Test
    void globClassesAndEscapes() {
        assertTrue(AclPattern.compile("app-[0-9]").matches("app-7", Map.of()));
        assertFalse(AclPattern.compile("app-[^0-9]").matches("app-7", Map.of()));
        assertFalse(AclPattern.compile("a[^x]b").matches("a/b", Map.of()));
        assertTrue(AclPattern.compile("a\\*").matches("a*", Map.of()));
        assertFalse(AclPattern.compile("a\\*").matches("ab", Map.of()));
        assertTrue(AclPattern.compile("a?c").matches("abc", Map.of()));
        assertFalse(AclPattern.compile("a?c").matches("a/c", Map.of()));
    }

    @Test
    void badPatternsFailAtLoad() {
        assertThrows(IllegalArgumentException.class, () -> AclPattern.compile("[abc"));
        assertThrows(IllegalArgumentException.class, () -> AclPattern.compile("/(unclosed/"));
        assertThrows(IllegalArgumentException.class, () -> AclPattern.compile("${user}/*"));
    }

    /** docker_auth's match.labels: every named label needs one value the pattern matches; labels come from the authenticator. */
    @Test
    void labelsFromTheAuthenticatorAreMatched() throws Exception {
        Acl labelled = new Acl(List.of(
                AclEntries.parse(Map.of("match", Map.of("name", "team/*", "labels", Map.of("group", "dev", "site", "/^eu-/")),
                        "actions", List.of("*")), "acl[0]", java.util.Set.of()),
                AclEntries.parse(Map.of("match", Map.of("labels", Map.of("group", "*")), "actions", List.of("pull")), "acl[1]", java.util.Set.of())));
        Authorizers chain = new Authorizers(List.of(labelled));
        List<AccessEntry> want = List.of(repo("team/app", "pull", "push"));
        assertEquals(want, chain.authorize("carol", Map.of("group", List.of("ops", "dev"), "site", List.of("eu-west")), "svc", null, want));
        assertEquals(List.of(repo("team/app", "pull")), chain.authorize("dave", Map.of("group", List.of("dev"), "site", List.of("us-east")), "svc", null, want),
                "site does not match: the second rule, any group, decides");
        assertEquals(List.of(), chain.authorize("erin", Map.of(), "svc", null, want), "no labels: no rule matches");
    }
}
