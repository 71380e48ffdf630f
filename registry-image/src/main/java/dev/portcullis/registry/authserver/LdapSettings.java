package dev.portcullis.registry.authserver;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * docker_auth's {@code ldap_auth} section, checked once at start. {@code tls} has no silent plain-text default: when
 * absent it is {@code always} for port 636 and an error otherwise, since a login sends the user's password to the
 * directory. {@code insecure_tls_skip_verify} must be spelled out and is logged as a warning.
 */
public record LdapSettings(String host, int port, Tls tls, boolean insecureTlsSkipVerify, Path caCertificate,
                           String bindDn, Path bindPasswordFile, String base, String filter,
                           Map<String, LabelMapping> labels, Duration timeout, int poolSize)
        implements BackendSettings.Login {
    public static final String SECTION = "ldap_auth";
    static final String ACCOUNT = "${account}";

    public enum Tls { NONE, ALWAYS, STARTTLS }

    /** A label filled from an attribute's values; {@code parseCn}: keep only the CN of DN values (memberOf). */
    public record LabelMapping(String attribute, boolean parseCn, boolean lowerCase) {
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public LoginBackend start() throws ConfigException {
        return LdapLoginBackend.start(this);
    }

    static LdapSettings parse(ConfigSection s) throws ConfigException {
        if (s.has("initial_bind_as_user")) {
            throw new ConfigException(s.key("initial_bind_as_user"), "docker_auth's initial_bind_as_user is not supported by "
                    + "Portcullis's auth-server: search as the service account (bind_dn, bind_password_file)");
        }
        s.allowOnly(Set.of("addr", "tls", "insecure_tls_skip_verify", "ca_certificate", "bind_dn", "bind_password_file",
                "base", "filter", "labels", "timeout", "pool_size"));
        String addr = s.required("addr");
        int colon = addr.lastIndexOf(':');
        int port = -1;
        if (colon > 0) {
            try {
                port = Integer.parseInt(addr.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (port <= 0 || port > 65535) {
            throw new ConfigException(s.key("addr"), "must be HOST:PORT, e.g. ldap.example.com:636, not '" + addr + "'");
        }
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        Tls tls = tls(s, port);
        boolean skipVerify = s.bool("insecure_tls_skip_verify", false);
        Path ca = s.path("ca_certificate");
        if (tls == Tls.NONE && (skipVerify || ca != null)) {
            throw new ConfigException(s.key(skipVerify ? "insecure_tls_skip_verify" : "ca_certificate"),
                    "has no effect with tls: none");
        }
        if (skipVerify && ca != null) {
            throw new ConfigException(s.key("insecure_tls_skip_verify"), "contradicts ca_certificate: verify with the CA, or skip verification");
        }
        String bindDn = s.string("bind_dn", null);
        Path passwordFile = s.path("bind_password_file");
        if (bindDn != null && !bindDn.isBlank()) {
            dn(bindDn, s.key("bind_dn"));
            if (passwordFile == null) {
                throw new ConfigException(s.key("bind_password_file"), "required with bind_dn (a file holding the bind password)");
            }
        } else if (passwordFile != null) {
            throw new ConfigException(s.key("bind_dn"), "required with bind_password_file");
        } else {
            bindDn = null;
        }
        String base = s.required("base");
        dn(base, s.key("base"));
        String filter = s.required("filter");
        if (!filter.contains(ACCOUNT)) {
            throw new ConfigException(s.key("filter"), "must contain ${account}, e.g. (&(uid=${account})(objectClass=person))");
        }
        try {
            Filter.create(filter.replace(ACCOUNT, "probe"));
        } catch (LDAPException e) {
            throw new ConfigException(s.key("filter"), "not an LDAP filter: " + e.getDiagnosticMessage());
        }
        Map<String, LabelMapping> labels = new LinkedHashMap<>();
        ConfigSection labelSection = s.section("labels");
        for (String name : labelSection.keys()) {
            ConfigSection l = labelSection.section(name);
            l.allowOnly(Set.of("attribute", "parse_cn", "lower_case"));
            labels.put(name, new LabelMapping(l.required("attribute"), l.bool("parse_cn", false), l.bool("lower_case", false)));
        }
        Duration timeout = s.positiveDuration("timeout", Duration.ofSeconds(5));
        int pool = s.integer("pool_size", 8, 1);
        return new LdapSettings(host, port, tls, skipVerify, ca, bindDn, passwordFile, base, filter, Map.copyOf(labels), timeout, pool);
    }

    private static Tls tls(ConfigSection s, int port) throws ConfigException {
        String t = s.string("tls", null);
        if (t == null || t.isEmpty()) {
            if (port == 636) {
                return Tls.ALWAYS;
            }
            throw new ConfigException(s.key("tls"), "required for a port other than 636: always, starttls, or none "
                    + "(none sends every user's password in clear text)");
        }
        return switch (t) {
            case "none" -> Tls.NONE;
            case "always" -> Tls.ALWAYS;
            case "starttls" -> Tls.STARTTLS;
            default -> throw new ConfigException(s.key("tls"), "must be none, always or starttls, not '" + t + "'");
        };
    }

    private static void dn(String value, String key) throws ConfigException {
        try {
            new DN(value);
        } catch (LDAPException e) {
            throw new ConfigException(key, "not a DN: " + e.getDiagnosticMessage());
        }
    }
}
