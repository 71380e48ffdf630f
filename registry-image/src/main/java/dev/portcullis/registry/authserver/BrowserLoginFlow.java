package dev.portcullis.registry.authserver;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationErrorResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.AuthenticationResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;

import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The OpenID Connect authorization code flow of one browser login section, free of HTTP plumbing: {@link #start()}
 * makes the provider's authorization URL with a fresh state, nonce and PKCE verifier, and the value of the cookie
 * that binds them to the browser; {@link #finish} checks the provider's answer against that cookie (state, constant
 * time), exchanges the code (with the verifier and the client secret), validates the ID token (signature through the
 * provider's JWKS, issuer, audience, expiry, nonce) and maps its claims to an account and labels.
 * <p>
 * Nothing is kept on the issuer between the two steps, so any replica can finish a login another started. The
 * provider's discovery document is fetched at the first login, not at start, so a provider that is down does not
 * stop the issuer (or its static users); until it answers, logins through it fail with {@link Unavailable}.
 */
final class BrowserLoginFlow {
    /** Cookie format version, so a later change of its content is recognised rather than misread. */
    private static final String COOKIE_VERSION = "v1";

    /** The login is refused; {@code reason} is shown to the person and logged, and never quotes a credential. */
    static final class Refused extends Exception {
        private final int status;

        Refused(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** The provider could not be asked or answered nonsense: the login fails closed. */
    static final class Unavailable extends Exception {
        Unavailable(String detail) {
            super(detail, null, false, false);
        }
    }

    /** Where to send the browser, and the cookie to set on it. */
    record Start(URI authorizationUrl, String cookie) {
    }

    /** Who signed in. */
    record Identity(String account, Map<String, List<String>> labels) {
    }

    /** The provider's endpoints and an ID token validator on its keys, once discovered. */
    private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator) {
    }

    private final BrowserLoginSettings settings;
    private final ClientID clientId;
    private final Secret clientSecret;
    private final SSLSocketFactory tls;
    private volatile Provider provider;

    BrowserLoginFlow(BrowserLoginSettings settings, String clientSecret, SSLSocketFactory tls) {
        this.settings = settings;
        this.clientId = new ClientID(settings.clientId());
        this.clientSecret = new Secret(clientSecret);
        this.tls = tls;
    }

    /** A new login: the provider's URL to redirect to and the cookie value holding state, nonce and PKCE verifier. */
    Start start() throws Unavailable {
        Provider p = provider();
        State state = new State();
        Nonce nonce = new Nonce();
        CodeVerifier verifier = new CodeVerifier();
        URI url = new AuthenticationRequest.Builder(ResponseType.CODE, new Scope(settings.scopes().toArray(String[]::new)),
                clientId, settings.redirectUrl())
                .endpointURI(p.metadata().getAuthorizationEndpointURI())
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
        String cookie = String.join(".", COOKIE_VERSION, state.getValue(), nonce.getValue(), verifier.getValue());
        return new Start(url, cookie);
    }

    /**
     * Completes a login from the callback's query parameters and the cookie {@link #start()} set (null when the
     * browser sent none).
     */
    Identity finish(Map<String, List<String>> query, String cookie) throws Refused, Unavailable {
        String[] parts = cookie == null ? new String[0] : cookie.split("\\.", -1);
        if (parts.length != 4 || !COOKIE_VERSION.equals(parts[0])) {
            throw new Refused(400, "this sign-in did not start in this browser, or took too long: start again");
        }
        AuthenticationResponse response;
        try {
            response = AuthenticationResponseParser.parse(settings.redirectUrl(), query);
        } catch (ParseException e) {
            throw new Refused(400, "the provider's answer is malformed: start again");
        }
        String state = response.getState() == null ? "" : response.getState().getValue();
        if (!MessageDigest.isEqual(state.getBytes(StandardCharsets.UTF_8), parts[1].getBytes(StandardCharsets.UTF_8))) {
            // A callback this browser did not ask for (login CSRF) or a stale tab: never exchange its code.
            throw new Refused(400, "the sign-in state does not match this browser's: start again");
        }
        if (!response.indicatesSuccess()) {
            AuthenticationErrorResponse error = response.toErrorResponse();
            String code = error.getErrorObject() == null ? "unknown" : error.getErrorObject().getCode();
            throw new Refused(403, "the provider refused the sign-in (" + Scopes.printable(String.valueOf(code)) + ")");
        }
        AuthorizationCode code = response.toSuccessResponse().getAuthorizationCode();
        if (code == null) {
            throw new Refused(400, "the provider's answer has no authorization code: start again");
        }
        Provider p = provider();
        JWT idToken = exchange(p, code, new CodeVerifier(parts[3]));
        IDTokenClaimsSet claims;
        try {
            claims = p.validator().validate(idToken, new Nonce(parts[2]));
        } catch (BadJOSEException e) {
            throw new Refused(403, "the provider's ID token is not valid: " + LogText.firstLine(e.getMessage()));
        } catch (JOSEException e) {
            throw new Unavailable("cannot check the ID token's signature: " + LogText.firstLine(e.getMessage()));
        }
        return identity(claims);
    }

    private JWT exchange(Provider p, AuthorizationCode code, CodeVerifier verifier) throws Refused, Unavailable {
        List<ClientAuthenticationMethod> methods = p.metadata().getTokenEndpointAuthMethods();
        // Discovery's default is client_secret_basic; a provider that lists only client_secret_post gets that.
        ClientAuthentication auth = methods != null && !methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                && methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                ? new ClientSecretPost(clientId, clientSecret) : new ClientSecretBasic(clientId, clientSecret);
        HTTPRequest request = new TokenRequest(p.metadata().getTokenEndpointURI(), auth,
                new AuthorizationCodeGrant(code, settings.redirectUrl(), verifier)).toHTTPRequest();
        configure(request);
        TokenResponse response;
        try {
            HTTPResponse http = request.send();
            response = OIDCTokenResponseParser.parse(http);
        } catch (IOException e) {
            throw new Unavailable("token endpoint " + p.metadata().getTokenEndpointURI() + " unreachable: " + e.getMessage());
        } catch (ParseException e) {
            throw new Unavailable("token endpoint " + p.metadata().getTokenEndpointURI() + " answered nonsense: "
                    + LogText.firstLine(e.getMessage()));
        }
        if (!response.indicatesSuccess()) {
            var error = response.toErrorResponse().getErrorObject();
            // invalid_grant: a code used twice or too late, or a PKCE verifier that does not match.
            throw new Refused(403, "the provider refused the code exchange ("
                    + Scopes.printable(error == null ? "unknown" : String.valueOf(error.getCode())) + "): start again");
        }
        if (!(response.toSuccessResponse() instanceof OIDCTokenResponse oidc) || oidc.getOIDCTokens().getIDToken() == null) {
            throw new Refused(403, "the provider returned no ID token (is the openid scope allowed for this client?)");
        }
        return oidc.getOIDCTokens().getIDToken();
    }

    private Identity identity(IDTokenClaimsSet claims) throws Refused {
        Object user = claims.getClaim(settings.userClaim());
        if (!(user instanceof String account) || account.isEmpty()) {
            throw new Refused(403, "the ID token has no " + settings.userClaim() + " claim to name the account");
        }
        if ("email".equals(settings.userClaim()) && Boolean.FALSE.equals(claims.getClaim("email_verified"))) {
            throw new Refused(403, "the provider has not verified the e-mail address " + Scopes.printable(account));
        }
        if (settings.restrictDomain() != null) {
            // Google's hd claim names the Workspace domain of the account; an e-mail ending is not proof of it.
            Object hd = claims.getClaim("hd");
            if (!(hd instanceof String domain) || !domain.toLowerCase(Locale.ROOT).equals(settings.restrictDomain().toLowerCase(Locale.ROOT))) {
                throw new Refused(403, Scopes.printable(account) + " is not an account of " + settings.restrictDomain());
            }
            if (!Boolean.TRUE.equals(claims.getClaim("email_verified"))) {
                throw new Refused(403, "the provider has not verified the e-mail address " + Scopes.printable(account));
            }
        }
        Map<String, List<String>> labels = new LinkedHashMap<>();
        for (String name : settings.labelClaims()) {
            List<String> values = OidcFederationBackend.values(claims.getClaim(name));
            if (!values.isEmpty()) {
                labels.put(name, values);
            }
        }
        return new Identity(account, labels);
    }

    private Provider provider() throws Unavailable {
        Provider p = provider;
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (provider != null) {
                return provider;
            }
            OIDCProviderMetadata metadata;
            try {
                // resolve() checks that the document names exactly the configured issuer.
                metadata = OIDCProviderMetadata.resolve(new Issuer(settings.issuer()), this::configure);
            } catch (IOException | GeneralException e) {
                throw new Unavailable("discovery of " + settings.issuer() + " failed: " + LogText.firstLine(e.getMessage()));
            }
            if (metadata.getJWKSetURI() == null || !"https".equals(metadata.getJWKSetURI().getScheme())
                    || metadata.getTokenEndpointURI() == null || metadata.getAuthorizationEndpointURI() == null) {
                throw new Unavailable("discovery document of " + settings.issuer() + " lacks an https jwks_uri, "
                        + "authorization_endpoint or token_endpoint");
            }
            int timeout = (int) settings.httpTimeout().toMillis();
            JWKSource<SecurityContext> keys;
            try {
                keys = JWKSourceBuilder.<SecurityContext>create(metadata.getJWKSetURI().toURL(),
                                new DefaultResourceRetriever(timeout, timeout, 512 * 1024, true, tls))
                        .cache(true)
                        .rateLimited(true)
                        .build();
            } catch (java.net.MalformedURLException e) {
                throw new Unavailable("bad jwks_uri in the discovery document of " + settings.issuer());
            }
            IDTokenValidator validator = new IDTokenValidator(new Issuer(settings.issuer()), clientId,
                    new JWSVerificationKeySelector<>(FederatedIssuer.ALGORITHMS, keys), null);
            p = new Provider(metadata, validator);
            provider = p;
            return p;
        }
    }

    private void configure(HTTPRequest request) {
        int timeout = (int) settings.httpTimeout().toMillis();
        request.setConnectTimeout(timeout);
        request.setReadTimeout(timeout);
        request.setFollowRedirects(false);
        if (tls != null) {
            request.setSSLSocketFactory(tls);
        }
    }
}
