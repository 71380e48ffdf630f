package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.util.List;

/**
 * Who may use the registry. The mode may be left out when exactly one of htpasswd, token is
 * given; a registry without authentication says so with {@code mode: None}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.mode) || !has(self.htpasswd) || !has(self.token)",
    message = "auth has both htpasswd and token: set auth.mode to the one to use")
@ValidationRule(
    value = "!has(self.mode) || (self.mode == 'Htpasswd' ? !has(self.token)"
        + " : self.mode == 'Token' ? !has(self.htpasswd) : !has(self.htpasswd) && !has(self.token))",
    message = "auth.mode does not use the other auth section given: remove it, or set auth.mode"
        + " to match")
public class AuthSpec {

  public enum Mode {
    None,
    Htpasswd,
    Token
  }

  @JsonPropertyDescription(
      "Htpasswd (basic auth), Token (Docker token auth) or None. Optional when exactly one of"
          + " htpasswd, token is given: the mode is that one. A registry anyone who reaches it may"
          + " push to needs mode None, explicitly (tls.mode MutualTLS authenticates clients"
          + " without it).")
  public Mode mode;

  public Htpasswd htpasswd;

  public Token token;

  /**
   * The mode given, else the one section given says it. With neither (or both) it is None, which
   * {@code SpecCheck} refuses to apply unless client certificates authenticate.
   */
  public Mode effectiveMode() {
    if (mode != null) {
      return mode;
    }
    if (htpasswd != null && token == null) {
      return Mode.Htpasswd;
    }
    if (token != null && htpasswd == null) {
      return Mode.Token;
    }
    return Mode.None;
  }

  /** Whether the spec says which authentication it wants: a mode, or exactly one section. */
  public boolean specified() {
    return mode != null || (htpasswd == null) != (token == null);
  }

  /** Basic-auth users: listed here with password Secrets, or an htpasswd file the user keeps. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "has(self.users) != has(self.existingSecretRef)",
      message = "htpasswd needs exactly one of users, existingSecretRef")
  public static class Htpasswd {
    public List<User> users;

    @JsonPropertyDescription(
        "A Secret of the user's with an htpasswd file (bcrypt lines) under the key htpasswd.")
    public SecretRef existingSecretRef;
  }

  /** One basic-auth user; the password stays in the user's Secret, only its bcrypt hash leaves it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class User {
    @Required
    @Pattern("^[^:\\s]+$")
    public String username;

    @Required public SecretKeySelector passwordSecretRef;
  }

  /** Docker token authentication: the registry trusts tokens signed by an issuer. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "!has(self.issuer) || self.issuer != 'External' || has(self.external)",
      message = "token.issuer External needs token.external")
  public static class Token {
    public enum Issuer {
      Managed,
      External
    }

    @JsonPropertyDescription(
        "Managed (the operator runs Portcullis' auth-server, same image) or External"
            + " (docker_auth, Keycloak and the like).")
    @Default("Managed")
    public Issuer issuer;

    public External external;

    public Managed managed;

    public Issuer effectiveIssuer() {
      return issuer == null ? Issuer.Managed : issuer;
    }
  }

  /** The token issuer the operator runs: users, ACL, token lifetime, ServiceAccount login. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Managed {
    @JsonPropertyDescription("Users who log in with a password (bcrypt-hashed from their Secrets).")
    public List<User> users;

    @JsonPropertyDescription("First matching entry decides; no match denies.")
    public List<AclEntry> acl;

    @JsonPropertyDescription("Token lifetime, a Go duration of at least 1m (default 15m).")
    @Default("15m")
    @Pattern("^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$")
    public String tokenLifetime;

    @JsonPropertyDescription(
        "The realm clients are sent to; default https://<registry>-auth.<namespace>.svc:5001/auth"
            + " (in-cluster clients only).")
    @Pattern("^https://.+")
    public String realm;

    public KubernetesLogin kubernetes;

    @JsonPropertyDescription("Log users in against an LDAP directory (after the users above).")
    public TokenLdapSpec ldap;

    @JsonPropertyDescription("Users and ACL entries from MongoDB (after the users and acl above).")
    public TokenMongoSpec mongo;

    @JsonPropertyDescription("External programs that log users in or authorize requests (last in line).")
    public TokenProgramsSpec programs;

    @JsonPropertyDescription("Workload identity federation: CI jobs log in with an OIDC ID token from a trusted"
        + " issuer as the password (no long-lived secret).")
    public TokenFederationSpec federation;

    @JsonPropertyDescription("Browser sign-in with an OpenID Connect provider or Google: the issuer's sign-in page"
        + " shows a registry password bound to the person's identity, which expires.")
    public TokenLoginsSpec logins;

    public String effectiveTokenLifetime() {
      return tokenLifetime == null ? "15m" : tokenLifetime;
    }
  }

  /** One ACL rule in docker_auth's format. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AclEntry {
    @Required public AclMatch match;

    @JsonPropertyDescription("pull, push, delete or *; empty denies.")
    @Required
    public List<String> actions;
  }

  /** Globs (path.Match) or /regex/; ${account} expands to the account. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AclMatch {
    public String account;
    public String name;
    public String type;

    @JsonPropertyDescription("Label name to pattern: the account (from ldap, mongo or programs) needs a value"
        + " of each label that the pattern matches, e.g. groups: dev.")
    @io.fabric8.generator.annotation.Size(max = 16)
    public java.util.Map<String, String> labels;
  }

  /** ServiceAccount tokens as passwords, checked with a TokenReview. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class KubernetesLogin {
    @Default("false")
    public Boolean enabled;

    public List<String> audiences;

    @JsonPropertyDescription("Only these namespaces' ServiceAccounts (empty: any).")
    public List<String> namespaces;
  }

  /** The managed token issuer's spec, or null unless mode Token with issuer Managed. */
  public Managed managedToken() {
    if (effectiveMode() != Mode.Token || (token != null
        && token.effectiveIssuer() != Token.Issuer.Managed)) {
      return null;
    }
    return token == null || token.managed == null ? new Managed() : token.managed;
  }

  /** An issuer the operator does not run. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class External {
    @JsonPropertyDescription("Where clients get tokens: the issuer's token endpoint URL.")
    @Required
    @Pattern("^https://.+")
    public String realm;

    @JsonPropertyDescription("The service name the issuer puts in tokens' audience.")
    @Required
    public String service;

    @JsonPropertyDescription("The issuer name in tokens (iss).")
    @Required
    public String issuer;

    @JsonPropertyDescription(
        "A Secret with the PEM certificates that sign tokens (the registry's rootcertbundle).")
    @Required
    public SecretKeyRef rootCertBundleSecretRef;
  }

  /** A key of a Secret in the registry's namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretKeyRef {
    @Required public String name;

    @JsonPropertyDescription("Key holding the PEM bundle (default ca.crt).")
    @Default("ca.crt")
    public String key;

    public String effectiveKey() {
      return key == null ? "ca.crt" : key;
    }
  }

  /** The external token issuer, or null unless mode Token with issuer External. */
  public External externalToken() {
    if (effectiveMode() != Mode.Token || token == null
        || token.effectiveIssuer() != Token.Issuer.External) {
      return null;
    }
    return token.external;
  }

  /** A Secret in the registry's namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretRef {
    @Required public String name;
  }
}
