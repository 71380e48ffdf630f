package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.AccessEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The static ACL ({@code acl:}), evaluated as docker_auth does: for each requested resource the FIRST rule that
 * matches decides, and what is granted is the requested actions that rule allows (a partial grant is not an error, as
 * the token specification says). No matching rule is NO_MATCH: the next access backend, if any, decides.
 */
public final class Acl implements AccessBackend {
    private final List<AclRule> rules;

    public Acl(List<AclRule> rules) {
        this.rules = List.copyOf(rules);
    }

    @Override
    public String name() {
        return "acl";
    }

    @Override
    public AccessDecision authorize(AccessRequest r) {
        Map<String, String> fields = Map.of("account", r.account(), "name", r.name(), "type", r.type(), "service", r.service());
        for (AclRule rule : rules) {
            if (rule.matches(fields, r.ip(), r.labels())) {
                return AccessDecision.matched(rule.allowsAll() ? r.actions()
                        : r.actions().stream().filter(rule.actions()::contains).toList());
            }
        }
        return AccessDecision.noMatch();
    }

    int size() {
        return rules.size();
    }

    /**
     * The access to put in a token for {@code account} ("" for anonymous) on {@code service} when this ACL is the
     * only access backend: each requested entry reduced to its allowed actions; entries left with none are dropped.
     */
    public List<AccessEntry> authorize(String account, String service, List<AccessEntry> requested) {
        return authorize(account, service, null, requested);
    }

    /** As above, for a client at {@code address} (rules with {@code match.ip} need it; null matches no such rule). */
    public List<AccessEntry> authorize(String account, String service, String address, List<AccessEntry> requested) {
        List<AccessEntry> granted = new ArrayList<>();
        for (AccessEntry want : requested) {
            AccessDecision d = authorize(new AccessRequest(account, want.type(), want.name(), service, address, want.actions(), Map.of()));
            if (!d.actions().isEmpty()) {
                granted.add(new AccessEntry(want.type(), want.name(), d.actions()));
            }
        }
        return granted;
    }
}
