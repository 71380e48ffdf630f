package dev.portcullis.registry.authserver;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker_auth's label matching: {@code ${labels:NAME}} over every combination of values, and {@code match.labels}. */
class AclLabelsTest {
    private static final Map<String, String> REQUEST = Map.of("account", "alice", "type", "repository", "service", "svc");

    private static boolean matches(String pattern, String name, Map<String, List<String>> labels) {
        Map<String, String> vars = new java.util.HashMap<>(REQUEST);
        vars.put("name", name);
        return AclPattern.compile(pattern).matches(name, vars, labels);
    }

    @Test
    void eachCombinationOfLabelValuesIsTried() {
        Map<String, List<String>> labels = Map.of("org", List.of("acme", "globex"), "team", List.of("web", "db"));
        assertTrue(matches("${labels:org}/${labels:team}/*", "globex/db/app", labels));
        assertTrue(matches("${labels:org}/${labels:team}/*", "acme/web/app", labels));
        assertFalse(matches("${labels:org}/${labels:team}/*", "acme/ops/app", labels));
        assertTrue(matches("/^${labels:org}-.+$/", "globex-tools", labels), "in a regex too");
    }

    @Test
    void anAbsentLabelNeverMatchesAndValuesAreLiteral() {
        assertFalse(matches("${labels:org}/*", "acme/app", Map.of()));
        assertFalse(matches("${labels:org}/*", "acme/app", Map.of("org", List.of())));
        assertFalse(matches("${labels:org}/*", "acme/app", Map.of("org", List.of("*"))), "a label value is no wildcard");
        assertFalse(matches("/^${labels:org}$/", "acme", Map.of("org", List.of(".*"))), "nor a regex");
    }

    @Test
    void tooManyCombinationsDeny() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add("v" + i);
        }
        // 100 x 100 > AclPattern.MAX_COMBINATIONS: the rule does not match rather than burn CPU.
        assertFalse(matches("${labels:a}/${labels:b}", "v99/v99", Map.of("a", many, "b", many)));
        assertTrue(matches("${labels:a}/x", "v99/x", Map.of("a", many)));
    }

    @Test
    void matchLabelsNeedsOneValuePerLabel() {
        AclRule rule = new AclRule(null, null, null, null, null,
                Map.of("groups", AclPattern.compile("/^admin/"), "site", AclPattern.compile("eu-*")), List.of("*"), "");
        Map<String, String> req = Map.of("account", "alice", "name", "x", "type", "repository", "service", "svc");
        assertTrue(rule.matches(req, null, Map.of("groups", List.of("dev", "admins"), "site", List.of("eu-west"))));
        assertFalse(rule.matches(req, null, Map.of("groups", List.of("dev", "admins"))), "every label in match.labels");
        assertFalse(rule.matches(req, null, Map.of("groups", List.of("dev"), "site", List.of("eu-west"))));
        assertEquals(AccessDecision.noMatch(), new Acl(List.of(rule)).authorize(
                new AccessRequest("alice", "repository", "x", "svc", null, List.of("pull"), Map.of())));
        assertEquals(AccessDecision.matched(List.of("pull")), new Acl(List.of(rule)).authorize(
                new AccessRequest("alice", "repository", "x", "svc", null, List.of("pull"),
                        Map.of("groups", List.of("admins"), "site", List.of("eu-1")))));
    }
}
