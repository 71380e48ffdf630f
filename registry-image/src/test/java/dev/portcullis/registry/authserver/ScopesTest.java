package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.AccessEntry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ScopesTest {
    @Test
    void parsesTypeNameActions() throws Exception {
        assertEquals(new AccessEntry("repository", "alice/app", List.of("pull", "push")), Scopes.parse("repository:alice/app:pull,push"));
        assertEquals(new AccessEntry("registry", "catalog", List.of("*")), Scopes.parse("registry:catalog:*"));
        assertEquals(new AccessEntry("repository(plugin)", "x/y", List.of("pull")), Scopes.parse("repository(plugin):x/y:pull"));
    }

    @Test
    void nameMayContainAHostWithPort() throws Exception {
        // Type ends at the first colon, actions start after the last: the middle is the name.
        assertEquals("localhost:5000/alice/app", Scopes.parse("repository:localhost:5000/alice/app:pull").name());
    }

    @Test
    void duplicateActionsAreDroppedAndResourcesMerged() throws Exception {
        List<AccessEntry> all = Scopes.parseAll(List.of("repository:a:pull,pull", "repository:a:push repository:b:pull"));
        assertEquals(List.of(new AccessEntry("repository", "a", List.of("pull", "push")),
                new AccessEntry("repository", "b", List.of("pull"))), all);
    }

    @Test
    void rejectsMalformedScopes() {
        for (String bad : List.of("repository", "repository:alice", "repository:alice:", ":alice:pull", "repository::pull",
                "repository:Alice/App:pull", "repository:alice/app:pull,,push", "repository:alice/app:PULL",
                "repo sitory:a:pull", "repository:../etc:pull", "repository:a//b:pull", "repository:a:pu\u0000ll")) {
            assertThrows(Scopes.MalformedScopeException.class, () -> Scopes.parseAll(List.of(bad)), bad);
        }
    }

    @Test
    void boundsTheNumberOfScopes() {
        String many = "repository:a:pull ".repeat(Scopes.MAX_SCOPES + 1);
        assertThrows(Scopes.MalformedScopeException.class, () -> Scopes.parseAll(List.of(many)));
    }

    @Test
    void noScopeIsNoAccessRequested() throws Exception {
        assertEquals(List.of(), Scopes.parseAll(List.of()));
        assertEquals(List.of(), Scopes.parseAll(List.of("")));
    }
}
