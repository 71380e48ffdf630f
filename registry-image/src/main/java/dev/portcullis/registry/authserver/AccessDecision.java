package dev.portcullis.registry.authserver;

import java.util.List;

/**
 * An {@link AccessBackend}'s answer for one resource. MATCHED with no actions is a deny that stops the chain, as a
 * docker_auth rule with {@code actions: []}; NO_MATCH lets the next backend decide; ERROR grants nothing and stops.
 */
public record AccessDecision(Outcome outcome, List<String> actions, String detail) {
    public enum Outcome { MATCHED, NO_MATCH, ERROR }

    public AccessDecision {
        actions = actions == null ? List.of() : List.copyOf(actions);
        detail = detail == null ? "" : detail;
    }

    public static AccessDecision matched(List<String> actions) {
        return new AccessDecision(Outcome.MATCHED, actions, "");
    }

    public static AccessDecision noMatch() {
        return new AccessDecision(Outcome.NO_MATCH, List.of(), "");
    }

    public static AccessDecision error(String detail) {
        return new AccessDecision(Outcome.ERROR, List.of(), detail);
    }
}
