package dev.portcullis.operator.model;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TokenLoginsSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The managed issuer's browser logins ({@code auth.token.managed.logins}): the {@code oidc_auth} and
 * {@code google_auth} sections of its config, and the volume where the passwords it issues are kept. Their sign-in
 * pages live on the issuer's public address (the realm's scheme and host), so the redirect URIs to register at the
 * provider are {@code https://REALM_HOST/oidc_auth} and {@code /google_auth}. Client secrets and the provider's CA
 * come in through {@link TokenBackendsModel}'s projected Secret volume, as files.
 */
public final class TokenLoginsModel {

  public static final String OIDC_SECTION = "oidc_auth";
  public static final String GOOGLE_SECTION = "google_auth";
  public static final String PASSWORDS_DIR = "/var/lib/portcullis/logins";
  static final String PASSWORDS_VOLUME = "login-passwords";
  static final String OIDC_CLIENT_SECRET = "oidc-client-secret";
  static final String OIDC_CA = "oidc-ca.crt";
  static final String GOOGLE_CLIENT_SECRET = "google-client-secret";
  static final String CLIENT_SECRET_KEY = "client-secret";

  private TokenLoginsModel() {}

  static TokenLoginsSpec logins(SecureRegistry r) {
    AuthSpec.Managed m = r.getSpec().effectiveAuth().managedToken();
    return m == null ? null : m.logins;
  }

  /** The sign-in page of {@code section} on the issuer's public address: its redirect URI at the provider. */
  public static String redirectUrl(SecureRegistry r, String section) {
    URI realm = URI.create(TokenIssuerModel.realm(r));
    return realm.getScheme() + "://" + realm.getRawAuthority() + "/" + section;
  }

  /** The issuer's config sections, in docker_auth's keys. */
  static Map<String, Object> sections(SecureRegistry r) {
    var out = new LinkedHashMap<String, Object>();
    TokenLoginsSpec l = logins(r);
    if (l == null) {
      return out;
    }
    String secrets = TokenBackendsModel.SECRETS_DIR + "/";
    if (l.google != null) {
      var g = common(r, l, GOOGLE_SECTION, l.google.clientID, secrets + GOOGLE_CLIENT_SECRET);
      if (l.google.domain != null) {
        g.put("domain", l.google.domain);
      }
      out.put(GOOGLE_SECTION, g);
    }
    if (l.oidc != null) {
      var o = common(r, l, OIDC_SECTION, l.oidc.clientID, secrets + OIDC_CLIENT_SECRET);
      o.put("issuer", l.oidc.issuer);
      if (l.oidc.scopes != null && !l.oidc.scopes.isEmpty()) {
        o.put("scopes", l.oidc.scopes);
      }
      if (l.oidc.userClaim != null) {
        o.put("user_claim", l.oidc.userClaim);
      }
      if (l.oidc.labelClaims != null && !l.oidc.labelClaims.isEmpty()) {
        o.put("label_claims", l.oidc.labelClaims);
      }
      if (l.oidc.caSecretRef != null) {
        o.put("ca_certificate", secrets + OIDC_CA);
      }
      out.put(OIDC_SECTION, o);
    }
    return out;
  }

  private static LinkedHashMap<String, Object> common(SecureRegistry r, TokenLoginsSpec l, String section,
      String clientId, String secretFile) {
    var s = new LinkedHashMap<String, Object>();
    s.put("redirect_url", redirectUrl(r, section));
    s.put("client_id", clientId);
    s.put("client_secret_file", secretFile);
    List<String> hosts = r.getSpec().effectiveHosts();
    if (!hosts.isEmpty()) {
      s.put("registry_url", hosts.get(0));
    }
    // Each section its own directory: a password names its file, and one section never reads another's.
    s.put("token_db", PASSWORDS_DIR + "/" + section);
    if (l.passwordExpiration != null) {
      s.put("password_expiration", l.passwordExpiration);
    }
    return s;
  }

  /**
   * Without a shared volume the passwords live in one pod's emptyDir, so the issuer must run one replica: a second
   * would refuse the first's passwords.
   */
  public static boolean needsSingleIssuer(SecureRegistry r) {
    TokenLoginsSpec l = logins(r);
    return l != null && l.passwordStoreClaimName == null;
  }

  /** The password store: the user's claim, or a memory-backed emptyDir. */
  public static List<Volume> volumes(SecureRegistry r) {
    TokenLoginsSpec l = logins(r);
    if (l == null) {
      return List.of();
    }
    var v = new VolumeBuilder().withName(PASSWORDS_VOLUME);
    if (l.passwordStoreClaimName != null) {
      v.withNewPersistentVolumeClaim().withClaimName(l.passwordStoreClaimName).endPersistentVolumeClaim();
    } else {
      // Memory: hashes only, but they need not outlive the pod, nor touch the node's disk.
      v.withNewEmptyDir().withMedium("Memory").withSizeLimit(new io.fabric8.kubernetes.api.model.Quantity("16Mi"))
          .endEmptyDir();
    }
    return List.of(v.build());
  }

  public static List<VolumeMount> mounts(SecureRegistry r) {
    return logins(r) == null ? List.of()
        : List.of(new VolumeMountBuilder().withName(PASSWORDS_VOLUME).withMountPath(PASSWORDS_DIR).build());
  }

  /** The sign-in pages need an address browsers reach: the in-cluster default of the realm is none. */
  public static List<Problem> problems(SecureRegistry r) {
    var out = new ArrayList<Problem>();
    TokenLoginsSpec l = logins(r);
    AuthSpec.Managed m = r.getSpec().effectiveAuth().managedToken();
    String tokenHost = r.getSpec().expose == null ? null : r.getSpec().expose.tokenHost();
    if (l != null && m.realm == null && tokenHost == null) {
      out.add(new Problem(ConditionTypes.AUTH_READY, "LoginsNeedPublicAddress",
          "auth.token.managed.logins: browsers reach the sign-in page at the issuer's public address: set"
              + " auth.token.managed.realm (e.g. https://auth.example.com/auth) or expose a tokenHost"));
    }
    return out;
  }
}
