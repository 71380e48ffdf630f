package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.AccessEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The static ACL, evaluated as docker_auth does: for each requested resource the FIRST rule that matches decides,
 * and what is granted is the requested actions that rule allows (a partial grant is not an error, as the token
 * specification says). No matching rule means no access.
 */
public final class Acl implements Authorizer {
    private final List<AclRule> rules;

    public Acl(List<AclRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * The access to put in a token for {@code account} ("" for anonymous) on {@code service}: each requested entry
     * reduced to its allowed actions; entries left with no action are dropped.
     */
    public List<AccessEntry> authorize(String account, String service, List<AccessEntry> requested) {
        return authorize(account, service, null, requested);
    }

    /** As above, for a client at {@code address} (rules with {@code match.ip} need it; null matches no such rule). */
    public List<AccessEntry> authorize(String account, String service, String address, List<AccessEntry> requested) {
        List<AccessEntry> granted = new ArrayList<>();
        for (AccessEntry want : requested) {
            Map<String, String> request = Map.of("account", account, "name", want.name(), "type", want.type(), "service", service);
            for (AclRule rule : rules) {
                if (rule.matches(request, address)) {
                    List<String> actions = rule.allowsAll()
                            ? want.actions()
                            : want.actions().stream().filter(rule.actions()::contains).toList();
                    if (!actions.isEmpty()) {
                        granted.add(new AccessEntry(want.type(), want.name(), actions));
                    }
                    break;
                }
            }
        }
        return granted;
    }

    /** As a link of the authorizer chain: the first matching rule's allowed actions, or no opinion. */
    @Override
    public Optional<List<String>> authorize(AuthorizationRequest r) {
        Map<String, String> request = Map.of("account", r.account(), "name", r.name(), "type", r.type(), "service", r.service());
        for (AclRule rule : rules) {
            if (rule.matches(request, r.address(), r.labels())) {
                return Optional.of(rule.allowsAll() ? r.actions() : r.actions().stream().filter(rule.actions()::contains).toList());
            }
        }
        return Optional.empty();
    }

    int size() {
        return rules.size();
    }
}
