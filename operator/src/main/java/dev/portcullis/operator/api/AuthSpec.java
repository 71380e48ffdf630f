package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.util.List;

/** Who may use the registry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuthSpec {

  public enum Mode {
    None,
    Htpasswd,
    Token
  }

  @JsonPropertyDescription(
      "None, Htpasswd (basic auth) or Token (Docker token auth; token.issuer External is"
          + " supported, Managed not yet).")
  @Default("None")
  public Mode mode;

  public Htpasswd htpasswd;

  public Token token;

  public Mode effectiveMode() {
    return mode == null ? Mode.None : mode;
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
        "Managed (the operator runs Portcullis' auth-server; not supported yet) or External"
            + " (docker_auth, Keycloak and the like).")
    @Default("Managed")
    public Issuer issuer;

    public External external;

    public Issuer effectiveIssuer() {
      return issuer == null ? Issuer.Managed : issuer;
    }
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
