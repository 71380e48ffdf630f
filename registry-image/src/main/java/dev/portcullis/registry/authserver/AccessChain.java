package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.AccessEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decides what goes in a token, as docker_auth's server does: for each requested resource the access backends (the
 * static {@code acl} first, then {@code acl_mongo}, {@code ext_authz}) are asked in order and the first that matches
 * decides; what it allows is intersected with what was asked. No match anywhere, or a backend failure, grants
 * nothing for that resource.
 */
final class AccessChain {
    private static final System.Logger LOG = System.getLogger(AccessChain.class.getName());

    private final List<AccessBackend> backends;
    private final IssuerMetrics metrics;

    AccessChain(List<AccessBackend> backends, IssuerMetrics metrics) {
        this.backends = List.copyOf(backends);
        this.metrics = metrics;
    }

    List<AccessEntry> authorize(String account, Map<String, List<String>> labels, String service, String address,
                                List<AccessEntry> requested) {
        List<AccessEntry> granted = new ArrayList<>();
        for (AccessEntry want : requested) {
            AccessRequest request = new AccessRequest(account, want.type(), want.name(), service, address, want.actions(), labels);
            for (AccessBackend backend : backends) {
                AccessDecision d;
                try {
                    d = backend.authorize(request);
                } catch (RuntimeException e) {
                    d = AccessDecision.error("unexpected " + e.getClass().getName());
                }
                if (d.outcome() == AccessDecision.Outcome.NO_MATCH) {
                    continue;
                }
                if (d.outcome() == AccessDecision.Outcome.ERROR) {
                    metrics.accessError(backend.name());
                    LOG.log(System.Logger.Level.WARNING, "access check failed, nothing granted: backend={0} scope={1} error={2}",
                            backend.name(), Scopes.printable(want.toScope()), d.detail());
                    break;
                }
                List<String> actions = want.actions().stream().filter(d.actions()::contains).toList();
                if (!actions.isEmpty()) {
                    granted.add(new AccessEntry(want.type(), want.name(), actions));
                }
                break;
            }
        }
        return granted;
    }
}
