package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.AccessEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The authorizer chain: each requested resource goes to the authorizers in order; nobody deciding means denied. */
final class Authorizers {
    private final List<Authorizer> chain;

    Authorizers(List<Authorizer> chain) {
        this.chain = List.copyOf(chain);
    }

    /** The access to put in a token: each requested entry reduced to its allowed actions; empty ones dropped. */
    List<AccessEntry> authorize(String account, Map<String, List<String>> labels, String service, String address,
                                List<AccessEntry> requested) {
        List<AccessEntry> granted = new ArrayList<>();
        for (AccessEntry want : requested) {
            AuthorizationRequest r = new AuthorizationRequest(account, want.type(), want.name(), service, address,
                    want.actions(), labels);
            for (Authorizer a : chain) {
                Optional<List<String>> allowed = a.authorize(r);
                if (allowed.isPresent()) {
                    // Never more than was asked for, whatever an external program answers.
                    List<String> actions = want.actions().stream().filter(allowed.get()::contains).toList();
                    if (!actions.isEmpty()) {
                        granted.add(new AccessEntry(want.type(), want.name(), actions));
                    }
                    break;
                }
            }
        }
        return granted;
    }
}
