package dev.portcullis.registry.authserver;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.util.Map;

/**
 * OpenID Connect Discovery 1.0, the one thing federation needs from it: where the issuer publishes its keys. The
 * document's {@code issuer} must be the configured URL exactly (Discovery section 4.3: otherwise one provider could
 * stand in for another), and {@code jwks_uri} must be HTTPS.
 */
final class OidcDiscovery {
    static final String PATH = "/.well-known/openid-configuration";

    private OidcDiscovery() {
    }

    /** The issuer's JWKS URL; IOException when it cannot be fetched or does not describe {@code issuer}. */
    static URL jwksUri(URI issuer, ResourceRetriever retriever) throws IOException {
        String base = issuer.toString();
        URL url = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + PATH).toURL();
        Resource doc = retriever.retrieveResource(url);
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(doc.getContent());
        } catch (ParseException e) {
            throw new IOException(url + " is not a JSON object");
        }
        Object iss = json.get("issuer");
        if (!base.equals(iss)) {
            throw new IOException(url + " names issuer '" + iss + "', not '" + base + "'");
        }
        Object jwks = json.get("jwks_uri");
        if (!(jwks instanceof String s) || !s.startsWith("https://")) {
            throw new IOException(url + " has no https:// jwks_uri");
        }
        return URI.create(s).toURL();
    }
}
