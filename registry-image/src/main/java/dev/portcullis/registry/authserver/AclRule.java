package dev.portcullis.registry.authserver;

import java.util.List;
import java.util.Map;

/**
 * One ACL entry: {@code {match: {account, name, type, service, ip, labels}, actions: [...], comment}}. An absent match
 * field matches anything; {@code actions: []} is a deny rule; {@code ["*"]} allows every requested action.
 * {@code labels} maps a label name to a pattern: the rule matches when, for each, one of the account's values for
 * that label matches (docker_auth's {@code match.labels}).
 */
public record AclRule(AclPattern account, AclPattern name, AclPattern type, AclPattern service, IpMatch ip,
                      Map<String, AclPattern> labels, List<String> actions, String comment) {
    public AclRule {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        actions = List.copyOf(actions);
    }

    /** A rule without {@code match.labels}. */
    public AclRule(AclPattern account, AclPattern name, AclPattern type, AclPattern service, IpMatch ip,
                   List<String> actions, String comment) {
        this(account, name, type, service, ip, Map.of(), actions, comment);
    }

    boolean matches(Map<String, String> request, String address) {
        return matches(request, address, Map.of());
    }

    /** {@code request}: account, name, type and service; {@code accountLabels}: the account's labels. */
    boolean matches(Map<String, String> request, String address, Map<String, List<String>> accountLabels) {
        if (ip != null && !ip.matches(address)) {
            return false;
        }
        if (!field(account, request.get("account"), request, accountLabels)
                || !field(name, request.get("name"), request, accountLabels)
                || !field(type, request.get("type"), request, accountLabels)
                || !field(service, request.get("service"), request, accountLabels)) {
            return false;
        }
        for (Map.Entry<String, AclPattern> l : labels.entrySet()) {
            List<String> values = accountLabels.getOrDefault(l.getKey(), List.of());
            if (values.stream().noneMatch(v -> l.getValue().matches(v, request, accountLabels))) {
                return false;
            }
        }
        return true;
    }

    private static boolean field(AclPattern p, String value, Map<String, String> vars, Map<String, List<String>> labels) {
        return p == null || p.matches(value, vars, labels);
    }

    boolean allowsAll() {
        return actions.contains("*");
    }
}
