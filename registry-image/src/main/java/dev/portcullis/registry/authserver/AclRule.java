package dev.portcullis.registry.authserver;

import java.util.List;
import java.util.Map;

/**
 * One ACL entry: {@code {match: {account, name, type, service, ip}, actions: [...], comment}}. An absent match field
 * matches anything; {@code actions: []} is a deny rule; {@code ["*"]} allows every requested action.
 */
public record AclRule(AclPattern account, AclPattern name, AclPattern type, AclPattern service, IpMatch ip,
                      List<String> actions, String comment) {
    public AclRule {
        actions = List.copyOf(actions);
    }

    boolean matches(Map<String, String> request, String address) {
        return (ip == null || ip.matches(address))
                && field(account, request.get("account"), request)
                && field(name, request.get("name"), request)
                && field(type, request.get("type"), request)
                && field(service, request.get("service"), request);
    }

    private static boolean field(AclPattern p, String value, Map<String, String> vars) {
        return p == null || p.matches(value, vars);
    }

    boolean allowsAll() {
        return actions.contains("*");
    }
}
