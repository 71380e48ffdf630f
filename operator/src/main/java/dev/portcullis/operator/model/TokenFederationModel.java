package dev.portcullis.operator.model;

import dev.portcullis.operator.api.TokenFederationSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The managed issuer's {@code oidc_federation} section from {@code auth.token.managed.federation}, in the issuer's
 * key names. An issuer's private CA reaches the issuer as a file of the backends' projected volume
 * ({@link TokenBackendsModel#SECRETS_DIR}), one per issuer name, so two issuers never share a file.
 */
public final class TokenFederationModel {

  public static final String SECTION = "oidc_federation";

  private TokenFederationModel() {}

  /** The file (in the backends' volume) holding the named issuer's CA. */
  static String caFile(TokenFederationSpec.Issuer issuer) {
    return "federation-" + issuer.name + "-ca.crt";
  }

  static boolean hasCa(TokenFederationSpec.Issuer issuer) {
    return issuer.caSecretRef != null || issuer.caConfigMapRef != null;
  }

  static Map<String, Object> section(TokenFederationSpec f) {
    var s = new LinkedHashMap<String, Object>();
    var issuers = new LinkedHashMap<String, Object>();
    for (TokenFederationSpec.Issuer i : f.issuers) {
      var is = new LinkedHashMap<String, Object>();
      is.put("issuer", i.issuer);
      is.put("audience", i.audience);
      is.put("account_claim", i.accountClaim);
      if (i.labels != null && !i.labels.isEmpty()) {
        is.put("labels", new LinkedHashMap<>(i.labels));
      }
      if (i.claims != null && !i.claims.isEmpty()) {
        is.put("claims", new LinkedHashMap<>(i.claims));
      }
      if (hasCa(i)) {
        is.put("ca_certificate", TokenBackendsModel.SECRETS_DIR + "/" + caFile(i));
      }
      if (i.maxTokenAge != null) {
        is.put("max_token_age", i.maxTokenAge);
      }
      issuers.put(i.name, is);
    }
    s.put("issuers", issuers);
    // Unset durations are left to the issuer's own defaults, so the two never disagree.
    putIfSet(s, "timeout", f.timeout);
    putIfSet(s, "clock_skew", f.clockSkew);
    putIfSet(s, "jwks_cache_ttl", f.jwksCacheTTL);
    putIfSet(s, "jwks_min_refresh_interval", f.jwksMinRefreshInterval);
    return s;
  }

  private static void putIfSet(Map<String, Object> s, String key, String value) {
    if (value != null) {
      s.put(key, value);
    }
  }
}
