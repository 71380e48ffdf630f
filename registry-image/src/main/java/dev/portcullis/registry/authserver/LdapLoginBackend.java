package dev.portcullis.registry.authserver;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.PostConnectProcessor;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldap.sdk.StartTLSPostConnectProcessor;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustAllTrustManager;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ldap_auth}, as docker_auth does it: search {@code base} for {@code filter} as the service account
 * ({@code bind_dn}), then bind as the one entry found with the user's password; labels come from the entry's
 * attributes. The account is escaped into the filter (RFC 4515), so {@code *)(uid=*} finds nobody rather than
 * everybody. An empty password never reaches the directory (an LDAP bind with one is "unauthenticated" and succeeds).
 * Connections are pooled and re-made as needed: a directory that is down fails logins closed (ERROR) and the issuer
 * keeps serving other backends.
 */
final class LdapLoginBackend implements LoginBackend {
    private static final System.Logger LOG = System.getLogger(LdapLoginBackend.class.getName());

    private final LdapSettings settings;
    private final LDAPConnectionPool pool;
    private final String[] attributes;

    private LdapLoginBackend(LdapSettings settings, LDAPConnectionPool pool) {
        this.settings = settings;
        this.pool = pool;
        this.attributes = settings.labels().values().stream().map(LdapSettings.LabelMapping::attribute).distinct()
                .toArray(String[]::new);
    }

    static LdapLoginBackend start(LdapSettings s) throws ConfigException {
        String k = LdapSettings.SECTION + ".";
        BindRequest serviceBind = null;
        if (s.bindDn() != null) {
            String password;
            try {
                password = Files.readString(s.bindPasswordFile(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ConfigException(k + "bind_password_file", "cannot read " + s.bindPasswordFile() + ": " + e.getMessage());
            }
            if (password.isEmpty()) {
                throw new ConfigException(k + "bind_password_file", s.bindPasswordFile() + " is empty (an LDAP bind "
                        + "with an empty password is anonymous)");
            }
            serviceBind = new SimpleBindRequest(s.bindDn(), password);
        }
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis((int) s.timeout().toMillis());
        options.setResponseTimeoutMillis(s.timeout().toMillis());
        options.setUseSynchronousMode(false);
        SocketFactory socketFactory = SocketFactory.getDefault();
        PostConnectProcessor startTls = null;
        if (s.tls() != LdapSettings.Tls.NONE) {
            SSLSocketFactory tls = sslContext(s).getSocketFactory();
            if (!s.insecureTlsSkipVerify()) {
                tls = new HostCheckingSocketFactory(tls);
            }
            if (s.tls() == LdapSettings.Tls.ALWAYS) {
                socketFactory = tls;
            } else {
                startTls = new StartTLSPostConnectProcessor(tls);
            }
        }
        if (s.insecureTlsSkipVerify()) {
            LOG.log(System.Logger.Level.WARNING, "ldap_auth.insecure_tls_skip_verify is true: the directory''s certificate is"
                    + " not checked, so anyone on the path to {0}:{1} can read every password", s.host(), Integer.toString(s.port()));
        }
        if (s.tls() == LdapSettings.Tls.NONE) {
            LOG.log(System.Logger.Level.WARNING, "ldap_auth.tls is none: passwords go to {0}:{1} in clear text",
                    s.host(), Integer.toString(s.port()));
        }
        SingleServerSet server = new SingleServerSet(s.host(), s.port(), socketFactory, options);
        LDAPConnectionPool pool;
        try {
            // No connection is required at start: a directory that is down must not take the static users down too.
            pool = new LDAPConnectionPool(server, serviceBind, 1, s.poolSize(), 1, startTls, false);
        } catch (LDAPException e) {
            throw new ConfigException(k + "addr", "cannot set up the connection pool: " + e.getDiagnosticMessage());
        }
        pool.setConnectionPoolName("ldap_auth");
        pool.setCreateIfNecessary(true);
        pool.setMaxWaitTimeMillis(s.timeout().toMillis());
        pool.setRetryFailedOperationsDueToInvalidConnections(true);
        try {
            pool.getConnection().close();
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) {
                pool.close();
                throw new ConfigException(k + "bind_dn", "the directory refused the service account's bind (check bind_dn "
                        + "and bind_password_file)");
            }
            LOG.log(System.Logger.Level.WARNING, "ldap_auth: the directory at {0}:{1} cannot be reached now; LDAP logins "
                    + "fail until it can: {2}", s.host(), Integer.toString(s.port()), reason(e));
        }
        return new LdapLoginBackend(s, pool);
    }

    private static SSLContext sslContext(LdapSettings s) throws ConfigException {
        try {
            TrustManager trust;
            if (s.insecureTlsSkipVerify()) {
                trust = new TrustAllTrustManager();
            } else if (s.caCertificate() != null) {
                if (!Files.isReadable(s.caCertificate())) {
                    throw new ConfigException("ldap_auth.ca_certificate", "cannot read " + s.caCertificate());
                }
                trust = new PEMFileTrustManager(s.caCertificate().toFile());
            } else {
                trust = null; // the JVM's default trust store
            }
            SSLUtil ssl = trust == null ? new SSLUtil() : new SSLUtil(trust);
            return ssl.createSSLContext("TLSv1.3");
        } catch (GeneralSecurityException e) {
            throw new ConfigException("ldap_auth.ca_certificate", "cannot load " + s.caCertificate() + ": " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return LdapSettings.SECTION;
    }

    @Override
    public LoginResult authenticate(String account, String password, String remoteAddress) {
        if (password.isEmpty() || account.isEmpty()) {
            return LoginResult.denied();
        }
        SearchResultEntry entry;
        try {
            Filter filter = Filter.create(settings.filter().replace(LdapSettings.ACCOUNT, Filter.encodeValue(account)));
            SearchRequest search = new SearchRequest(settings.base(), SearchScope.SUB, filter, attributes);
            // Two is enough to tell "one" from "more than one".
            search.setSizeLimit(2);
            search.setTimeLimitSeconds((int) Math.max(1, settings.timeout().toSeconds()));
            SearchResult result = pool.search(search);
            if (result.getEntryCount() == 0) {
                return LoginResult.noMatch();
            }
            if (result.getEntryCount() > 1) {
                return ambiguous(account);
            }
            entry = result.getSearchEntries().get(0);
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                return ambiguous(account);
            }
            return LoginResult.error("search failed: " + reason(e));
        }
        try {
            pool.bindAndRevertAuthentication(entry.getDN(), password);
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) {
                return LoginResult.denied();
            }
            return LoginResult.error("bind as the user failed: " + reason(e));
        }
        return LoginResult.allowed(labels(entry));
    }

    private static LoginResult ambiguous(String account) {
        LOG.log(System.Logger.Level.WARNING, "ldap_auth: more than one entry matches account={0}: login denied (make "
                + "ldap_auth.filter select one entry per account)", Scopes.printable(account));
        return LoginResult.denied();
    }

    private Map<String, List<String>> labels(SearchResultEntry entry) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        settings.labels().forEach((label, mapping) -> {
            Attribute a = entry.getAttribute(mapping.attribute());
            List<String> values = new ArrayList<>();
            if (a != null) {
                for (String v : a.getValues()) {
                    String value = mapping.parseCn() ? commonName(v) : v;
                    if (value != null) {
                        values.add(mapping.lowerCase() ? value.toLowerCase(Locale.ROOT) : value);
                    }
                }
            }
            if (!values.isEmpty()) {
                out.put(label, List.copyOf(values));
            }
        });
        return out;
    }

    /** The first RDN's CN of a DN ({@code cn=admins,ou=groups,...} gives {@code admins}); null when it has none. */
    static String commonName(String dn) {
        try {
            RDN first = new DN(dn).getRDN();
            if (first == null) {
                return null;
            }
            for (int i = 0; i < first.getAttributeNames().length; i++) {
                if (first.getAttributeNames()[i].equalsIgnoreCase("cn")) {
                    return first.getAttributeValues()[i];
                }
            }
            return null;
        } catch (LDAPException e) {
            return null;
        }
    }

    /** The result code and the server's or SDK's message: neither ever holds the password sent. */
    private static String reason(LDAPException e) {
        // The SDK nests its messages several deep; the innermost cause (refused, handshake) is the one to act on.
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root != e ? root.getClass().getSimpleName() + ": " + root.getMessage()
                : e.getDiagnosticMessage() != null ? e.getDiagnosticMessage() : e.getExceptionMessage();
        return e.getResultCode().getName() + (msg == null ? "" : " (" + msg + ")");
    }

    @Override
    public void close() {
        pool.close();
    }
}
