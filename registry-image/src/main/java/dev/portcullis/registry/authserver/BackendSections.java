package dev.portcullis.registry.authserver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docker_auth's optional backend sections: which ones Portcullis implements (a parser each, in docker_auth's order
 * of consultation), which ones it does not. A section that is not implemented stops the start with one line naming
 * it: an access-control file whose rules would be silently skipped is an open door.
 * <p>
 * A new backend plugs in with one entry in {@link #PARSERS}.
 */
final class BackendSections {
    /** Parses one section into its typed settings. */
    @FunctionalInterface
    interface Parser {
        BackendSettings parse(ConfigSection section) throws ConfigException;
    }

    /**
     * Implemented sections, in docker_auth's order: logins after the static users (google, oidc, ldap, mongo, ext), access rules
     * after the static acl (acl_mongo, ext_authz).
     */
    static final Map<String, Parser> PARSERS;

    static {
        Map<String, Parser> p = new LinkedHashMap<>();
        // docker_auth asks its browser logins (google, github, oidc) before ldap; theirs are file lookups that pass
        // on any password not shaped like the ones they issue.
        p.put(BrowserLoginSettings.GOOGLE, BrowserLoginSettings::parseGoogle);
        p.put(BrowserLoginSettings.OIDC, BrowserLoginSettings::parseOidc);
        p.put(LdapSettings.SECTION, LdapSettings::parse);
        p.put(OidcFederationSettings.SECTION, OidcFederationSettings::parse);
        p.put(MongoAuthSettings.SECTION, MongoAuthSettings::parse);
        p.put(ExternalAuthSettings.SECTION, ExternalAuthSettings::parse);
        p.put(MongoAclSettings.SECTION, MongoAclSettings::parse);
        p.put(ExternalAuthzSettings.SECTION, ExternalAuthzSettings::parse);

        PARSERS = java.util.Collections.unmodifiableMap(p);
    }

    /** docker_auth sections Portcullis does not implement. */
    static final Set<String> NOT_SUPPORTED = Set.of("github_auth", "gitlab_auth",
            "xorm_auth", "acl_xorm", "plugin_authn", "plugin_authz", "casbin_authz", "redis_token_db",
            "gcs_token_db");

    private BackendSections() {
    }

    static boolean isBackendSection(String key) {
        return PARSERS.containsKey(key) || NOT_SUPPORTED.contains(key);
    }

    /** Parses the backend sections present in {@code top}, in docker_auth's order. */
    static List<BackendSettings> parse(Map<String, Object> top, Path baseDir) throws ConfigException {
        for (String key : top.keySet()) {
            if (NOT_SUPPORTED.contains(key)) {
                throw new ConfigException(key, key + " is not supported by Portcullis's auth-server (see docs/token-issuer.md)");
            }
        }
        List<BackendSettings> out = new ArrayList<>();
        for (Map.Entry<String, Parser> e : PARSERS.entrySet()) {
            if (top.get(e.getKey()) != null) {
                out.add(e.getValue().parse(new ConfigSection(e.getKey(), top.get(e.getKey()), baseDir)));
            }
        }
        Map<String, String> loginPaths = new LinkedHashMap<>();
        for (BackendSettings b : out) {
            if (b instanceof BrowserLoginSettings browser) {
                String other = loginPaths.putIfAbsent(browser.path(), browser.section());
                if (other != null) {
                    throw new ConfigException(browser.section() + ".redirect_url", "path " + browser.path()
                            + " is already " + other + "'s sign-in page: give each its own");
                }
            }
        }
        return out;
    }
}
