package dev.portcullis.registry.authserver;

import java.util.List;
import java.util.Map;

/**
 * One ACL entry: {@code {match: {account, name, type, service, ip, labels}, actions: [...], comment}}. An absent match
 * field matches anything; {@code actions: []} is a deny rule; {@code ["*"]} allows every requested action.
 * {@code labels} is docker_auth's {@code match.labels}: each named label must have at least one value the pattern
 * matches (labels come from mongo_auth, ext_auth or ldap_auth).
 */
public record AclRule(AclPattern account, AclPattern name, AclPattern type, AclPattern service, IpMatch ip,
                      List<String> actions, String comment, Map<String, AclPattern> labels) {
    public AclRule {
        actions = List.copyOf(actions);
        labels = Map.copyOf(labels);
    }

    public AclRule(AclPattern account, AclPattern name, AclPattern type, AclPattern service, IpMatch ip,
                   List<String> actions, String comment) {
        this(account, name, type, service, ip, actions, comment, Map.of());
    }

    boolean matches(Map<String, String> request, String address) {
        return matches(request, address, Map.of());
    }

    boolean matches(Map<String, String> request, String address, Map<String, List<String>> requestLabels) {
        return (ip == null || ip.matches(address))
                && field(account, request.get("account"), request)
                && field(name, request.get("name"), request)
                && field(type, request.get("type"), request)
                && field(service, request.get("service"), request)
                && labelsMatch(request, requestLabels);
    }

    private boolean labelsMatch(Map<String, String> request, Map<String, List<String>> requestLabels) {
        for (Map.Entry<String, AclPattern> want : labels.entrySet()) {
            List<String> values = requestLabels.getOrDefault(want.getKey(), List.of());
            if (values.stream().noneMatch(v -> want.getValue().matches(v, request))) {
                return false;
            }
        }
        return true;
    }

    private static boolean field(AclPattern p, String value, Map<String, String> vars) {
        return p == null || p.matches(value, vars);
    }

    boolean allowsAll() {
        return actions.contains("*");
    }
}
