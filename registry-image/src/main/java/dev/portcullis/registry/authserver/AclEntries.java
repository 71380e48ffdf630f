package dev.portcullis.registry.authserver;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one ACL entry from its map form, docker_auth's {@code ACLEntry}: {@code {match: {account, name, type, service,
 * ip, labels: {label: pattern}}, actions: [...], comment}} (acl_mongo documents; {@code seq} is the caller's).
 */
final class AclEntries {
    private static final Set<String> MATCH = Set.of("account", "name", "type", "service", "ip", "labels");

    private AclEntries() {
    }

    /** {@code extra}: further top-level keys the caller reads itself (acl_mongo's {@code _id} and {@code seq}). */
    static AclRule parse(Map<String, Object> entry, String at, Set<String> extra) throws ConfigException {
        java.util.Set<String> known = new java.util.HashSet<>(Set.of("match", "actions", "comment"));
        known.addAll(extra);
        SectionValues.onlyKeys(entry, known, at + ".");
        Map<String, Object> match = SectionValues.map(entry.get("match"), at + ".match");
        SectionValues.onlyKeys(match, MATCH, at + ".match.");
        if (!entry.containsKey("actions")) {
            throw new ConfigException(at + ".actions", "required ([] denies, [\"*\"] allows everything)");
        }
        List<String> actions = SectionValues.strings(entry.get("actions"), at + ".actions");
        Map<String, AclPattern> labels = new LinkedHashMap<>();
        for (Map.Entry<String, Object> l : SectionValues.map(match.get("labels"), at + ".match.labels").entrySet()) {
            labels.put(l.getKey(), pattern(l.getValue(), at + ".match.labels." + l.getKey()));
        }
        IpMatch ip = null;
        if (match.get("ip") != null) {
            try {
                ip = IpMatch.parse(String.valueOf(match.get("ip")));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(at + ".match.ip", e.getMessage());
            }
        }
        return new AclRule(pattern(match.get("account"), at + ".match.account"), pattern(match.get("name"), at + ".match.name"),
                pattern(match.get("type"), at + ".match.type"), pattern(match.get("service"), at + ".match.service"), ip,
                actions, SectionValues.string(entry.get("comment"), at + ".comment", ""), labels);
    }

    private static AclPattern pattern(Object v, String key) throws ConfigException {
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new ConfigException(key, "must be a string (glob or /regex/)");
        }
        try {
            return AclPattern.compile(s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
    }
}
