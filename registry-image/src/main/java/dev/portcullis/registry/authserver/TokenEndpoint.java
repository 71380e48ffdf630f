package dev.portcullis.registry.authserver;

import com.nimbusds.jose.JOSEException;
import dev.portcullis.registry.auth.token.AccessEntry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The token endpoint's logic, free of HTTP plumbing so it is tested directly: the Docker token specification's
 * {@code GET} (Basic credentials or anonymous) and its OAuth2 {@code POST} ({@code grant_type=password} or
 * {@code refresh_token}). Answers are (status, headers, JSON body); bodies never echo a credential.
 */
final class TokenEndpoint {
    private static final System.Logger LOG = System.getLogger(TokenEndpoint.class.getName());

    private final String service;
    private final String realmName;
    private final Authenticator authenticator;
    private final AccessChain access;
    private final TokenIssuer issuer;
    private final IssuerMetrics metrics;

    /** One HTTP answer. */
    record Reply(int status, Map<String, String> headers, Map<String, Object> body) {
    }

    /** The parts of a request the endpoint reads; {@code params} are query or form parameters, multi-valued. */
    record Request(Map<String, List<String>> params, String authorization, String address) {
        String first(String name) {
            List<String> v = params.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        List<String> all(String name) {
            return params.getOrDefault(name, List.of());
        }
    }

    TokenEndpoint(String service, String realmName, Authenticator authenticator, Acl acl, TokenIssuer issuer) {
        this(service, realmName, authenticator, new AccessChain(List.of(acl), new IssuerMetrics()), issuer, new IssuerMetrics());
    }

    /** {@code service}: the one service tokens are for, or null for any the client names (docker_auth's way). */
    TokenEndpoint(String service, String realmName, Authenticator authenticator, AccessChain access, TokenIssuer issuer,
                  IssuerMetrics metrics) {
        this.metrics = metrics;
        this.service = service;
        this.realmName = realmName;
        this.authenticator = authenticator;
        this.access = access;
        this.issuer = issuer;
    }

    private boolean serves(String svc) {
        return svc != null && !svc.isEmpty() && (service == null || svc.equals(service));
    }

    /** {@code GET /auth?service=&scope=&account=&offline_token=&client_id=} */
    Reply get(Request r) {
        String svc = r.first("service");
        if (!serves(svc)) {
            return error(400, "INVALID_REQUEST", svc == null || svc.isEmpty() ? "service parameter is required" : "unknown service");
        }
        List<AccessEntry> requested;
        try {
            requested = Scopes.parseAll(r.all("scope"));
        } catch (Scopes.MalformedScopeException e) {
            return error(400, "INVALID_SCOPE", e.getMessage());
        }
        String account;
        boolean refreshable;
        Map<String, List<String>> labels = Map.of();
        if (r.authorization() == null) {
            if (!authenticator.anonymousAllowed()) {
                return unauthorized("authentication required");
            }
            account = "";
            refreshable = false;
            labels = authenticator.staticLabels("");
        } else {
            String[] creds = basic(r.authorization());
            if (creds == null) {
                return unauthorized("malformed Basic credentials");
            }
            String claimed = r.first("account");
            if (claimed != null && !claimed.isEmpty() && !claimed.equals(creds[0])) {
                return error(400, "INVALID_REQUEST", "account does not match the credentials");
            }
            Authenticator.Result result = authenticator.login(creds[0], creds[1], r.address());
            if (!(result instanceof Authenticator.Success ok)) {
                return loginFailed(result, false);
            }
            account = ok.account();
            refreshable = ok.refreshable();
            labels = ok.labels();
        }
        boolean offline = "true".equals(r.first("offline_token")) && refreshable;
        return grant(account, labels, svc, r.address(), requested, offline, false, r.authorization() == null ? "anonymous" : "basic");
    }

    /** {@code POST /auth} with a form: grant_type, service, client_id, access_type, scope, username/password or refresh_token. */
    Reply post(Request r) {
        String grantType = r.first("grant_type");
        String svc = r.first("service");
        if (!serves(svc)) {
            return oauthError(400, "invalid_request", svc == null || svc.isEmpty() ? "service is required" : "unknown service");
        }
        List<AccessEntry> requested;
        try {
            requested = Scopes.parseAll(r.all("scope"));
        } catch (Scopes.MalformedScopeException e) {
            return oauthError(400, "invalid_scope", e.getMessage());
        }
        boolean offline = "offline".equals(r.first("access_type"));
        if ("password".equals(grantType)) {
            String user = r.first("username");
            String password = r.first("password");
            if (user == null || password == null) {
                return oauthError(400, "invalid_request", "username and password are required");
            }
            Authenticator.Result result = authenticator.login(user, password, r.address());
            if (!(result instanceof Authenticator.Success ok)) {
                return loginFailed(result, true);
            }
            return grant(ok.account(), ok.labels(), svc, r.address(), requested, offline && ok.refreshable(), true, "password grant");
        }
        if ("refresh_token".equals(grantType)) {
            String refresh = r.first("refresh_token");
            if (refresh == null) {
                return oauthError(400, "invalid_request", "refresh_token is required");
            }
            TokenIssuer.Refresh grant;
            try {
                grant = issuer.verifyRefresh(refresh, svc);
            } catch (TokenIssuer.InvalidGrantException e) {
                return oauthError(400, "invalid_grant", e.getMessage());
            }
            Optional<String> current = authenticator.credentialVersion(grant.subject());
            if (current.isEmpty() || !MessageDigest.isEqual(current.get().getBytes(StandardCharsets.US_ASCII),
                    grant.credentialVersion().getBytes(StandardCharsets.US_ASCII))) {
                LOG.log(System.Logger.Level.INFO, "refresh token refused: account={0} was removed or its password changed",
                        Scopes.printable(grant.subject()));
                return oauthError(400, "invalid_grant", "the account was removed or its password changed; log in again");
            }
            // The spec lets the client keep its refresh token; a new one is returned only when asked for.
            return grant(grant.subject(), authenticator.staticLabels(grant.subject()), svc, r.address(), requested, offline, true, "refresh grant");
        }
        return oauthError(400, "unsupported_grant_type", "grant_type must be password or refresh_token");
    }

    private Reply grant(String account, Map<String, List<String>> labels, String service, String address,
                        List<AccessEntry> requested, boolean withRefresh, boolean oauth, String via) {
        List<AccessEntry> granted = access.authorize(account, labels, service, address, requested);
        TokenIssuer.Issued issued;
        String refresh = null;
        try {
            issued = issuer.issueAccess(account, service, granted);
            Optional<String> version = withRefresh ? authenticator.credentialVersion(account) : Optional.empty();
            if (version.isPresent()) {
                refresh = issuer.issueRefresh(account, service, version.get());
            }
        } catch (JOSEException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot sign a token: " + e.getMessage());
            return error(500, "INTERNAL", "cannot sign a token");
        }
        metrics.tokenIssued();
        LOG.log(System.Logger.Level.INFO, "token issued: account={0} via={1} requested=[{2}] granted=[{3}]{4}",
                account.isEmpty() ? "(anonymous)" : Scopes.printable(account), via, scopes(requested), scopes(granted),
                refresh != null ? " +refresh token" : "");
        Map<String, Object> body = new LinkedHashMap<>();
        if (!oauth) {
            body.put("token", issued.token());
        }
        body.put("access_token", issued.token());
        body.put("expires_in", issued.expiresInSeconds());
        body.put("issued_at", DateTimeFormatter.ISO_INSTANT.format(issued.issuedAt()));
        if (oauth) {
            body.put("scope", granted.stream().map(AccessEntry::toScope).collect(Collectors.joining(" ")));
        }
        if (refresh != null) {
            body.put("refresh_token", refresh);
        }
        return new Reply(200, noStore(), body);
    }

    private Reply loginFailed(Authenticator.Result result, boolean oauth) {
        if (result instanceof Authenticator.Throttled t) {
            Map<String, String> h = noStore();
            h.put("Retry-After", Long.toString(Math.max(1, t.retryAfter().toSeconds() + 1)));
            Map<String, Object> body = oauth
                    ? Map.of("error", "slow_down", "error_description", "too many failed logins; retry later")
                    : errorBody("TOOMANYREQUESTS", "too many failed logins; retry later");
            return new Reply(429, h, body);
        }
        if (result instanceof Authenticator.Unavailable) {
            return oauth ? oauthError(503, "temporarily_unavailable", "identity provider unavailable")
                    : error(503, "UNAVAILABLE", "identity provider unavailable");
        }
        // RFC 6749 wants 400 invalid_grant for bad resource-owner credentials; containerd then falls back to GET.
        return oauth ? oauthError(400, "invalid_grant", "invalid username or password") : unauthorized("invalid username or password");
    }

    private Reply unauthorized(String message) {
        Map<String, String> h = noStore();
        h.put("WWW-Authenticate", "Basic realm=\"" + realmName.replace("\"", "'") + "\"");
        return new Reply(401, h, errorBody("UNAUTHORIZED", message));
    }

    private static Reply error(int status, String code, String message) {
        return new Reply(status, noStore(), errorBody(code, message));
    }

    private static Reply oauthError(int status, String code, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("error_description", description);
        return new Reply(status, noStore(), body);
    }

    private static Map<String, Object> errorBody(String code, String message) {
        return Map.of("errors", List.of(Map.of("code", code, "message", message)));
    }

    private static Map<String, String> noStore() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Cache-Control", "no-store");
        h.put("Pragma", "no-cache");
        return h;
    }

    /** {user, password} from a Basic header, or null. */
    static String[] basic(String header) {
        if (header == null || header.length() < 6 || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    private static String scopes(List<AccessEntry> entries) {
        return entries.stream().map(AccessEntry::toScope).map(Scopes::printable).collect(Collectors.joining(" "));
    }
}
