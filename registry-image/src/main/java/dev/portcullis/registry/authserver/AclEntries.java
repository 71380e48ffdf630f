package dev.portcullis.registry.authserver;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads one ACL entry, docker_auth's {@code ACLEntry}: {@code {match: {account, name, type, service, ip,
 * labels: {label: pattern}}, actions: [...], comment}}. The one reader for the static {@code acl} (YAML) and
 * {@code acl_mongo} (BSON documents), so both accept exactly the same entries.
 */
final class AclEntries {
    private static final Set<String> MATCH = Set.of("account", "name", "type", "service", "ip", "labels");

    private AclEntries() {
    }

    /** {@code extra}: further top-level keys the caller reads itself (acl_mongo's {@code _id} and {@code seq}). */
    static AclRule parse(ConfigSection entry, Set<String> extra) throws ConfigException {
        Set<String> known = new HashSet<>(Set.of("match", "actions", "comment"));
        known.addAll(extra);
        entry.allowOnly(known);
        ConfigSection match = entry.section("match");
        match.allowOnly(MATCH);
        if (!entry.has("actions")) {
            throw new ConfigException(entry.key("actions"), "required ([] denies, [\"*\"] allows everything)");
        }
        Map<String, AclPattern> labels = new LinkedHashMap<>();
        ConfigSection labelSection = match.section("labels");
        for (String label : labelSection.keys()) {
            labels.put(label, pattern(labelSection, label));
        }
        IpMatch ip = null;
        if (match.has("ip")) {
            try {
                ip = IpMatch.parse(match.string("ip", null));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(match.key("ip"), e.getMessage());
            }
        }
        return new AclRule(pattern(match, "account"), pattern(match, "name"), pattern(match, "type"),
                pattern(match, "service"), ip, labels, entry.strings("actions"), entry.string("comment", ""));
    }

    private static AclPattern pattern(ConfigSection match, String field) throws ConfigException {
        String s = match.string(field, null);
        if (s == null) {
            return null;
        }
        try {
            return AclPattern.compile(s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(match.key(field), e.getMessage());
        }
    }
}
