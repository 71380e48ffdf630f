package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.util.List;

/**
 * {@code auth.token.managed.logins}: browser sign-in (the issuer's {@code oidc_auth} and {@code google_auth}). People
 * open the issuer's sign-in page ({@code REALM_HOST/oidc_auth}, {@code /google_auth}), sign in at their identity
 * provider and are shown a registry password bound to that identity, which expires. Client secrets reach the issuer
 * only as files of a mounted Secret.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.oidc) || has(self.google)",
    message = "logins needs oidc or google (or both)")
@ValidationRule(
    value = "!has(self.passwordExpiration) || (duration(self.passwordExpiration) >= duration('10s')"
        + " && duration(self.passwordExpiration) <= duration('2160h'))",
    message = "logins.passwordExpiration must be between 10s and 2160h (90 days)")
public class TokenLoginsSpec {

  @JsonPropertyDescription("Sign-in with an OpenID Connect provider (Keycloak, Dex, Entra ID, Okta, ...).")
  public Oidc oidc;

  @JsonPropertyDescription("Sign-in with Google, optionally only for one Google Workspace domain.")
  public Google google;

  @JsonPropertyDescription("How long a shown registry password is valid, a Go duration between 10s and 2160h"
      + " (default 12h).")
  @Pattern(TokenFederationSpec.DURATION)
  @Size(max = 32)
  public String passwordExpiration;

  @JsonPropertyDescription("An existing PersistentVolumeClaim (ReadWriteMany for two issuer replicas) where issued"
      + " passwords are kept, hashed. Without it they live in the issuer pod's memory-backed emptyDir: lost when"
      + " the pod restarts, and the issuer runs one replica.")
  @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
  @Size(max = 253)
  public String passwordStoreClaimName;

  /** The issuer's {@code oidc_auth}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "!has(self.scopes) || 'openid' in self.scopes",
      message = "logins.oidc.scopes must include openid (the sign-in needs an ID token)")
  public static class Oidc {
    @JsonPropertyDescription("The provider's issuer URL, https only; its discovery document must name exactly it.")
    @Required
    @Pattern("^https://[^\\s?#]+$")
    @Size(max = 512)
    public String issuer;

    @JsonPropertyDescription("The OAuth client registered at the provider, with redirect URI"
        + " https://REALM_HOST/oidc_auth.")
    @Required
    @Size(min = 1, max = 256)
    public String clientID;

    @JsonPropertyDescription("The Secret key (default client-secret) holding the client secret; mounted as a file.")
    @Required
    public SecretKeySelector clientSecretRef;

    @JsonPropertyDescription("Scopes asked for (default openid, email); must include openid.")
    @Size(max = 16)
    public List<@Size(min = 1, max = 128) String> scopes;

    @JsonPropertyDescription("The ID token claim that becomes the account, the docker login user name"
        + " (default email).")
    @Size(min = 1, max = 128)
    public String userClaim;

    @JsonPropertyDescription("ID token claims copied into labels of the same name, for ACL rules' match.labels,"
        + " e.g. groups.")
    @Size(max = 16)
    public List<@Size(min = 1, max = 128) String> labelClaims;

    @JsonPropertyDescription("A Secret key (default ca.crt) with the PEM CA of the provider's HTTPS certificate"
        + " (default: the image's trust store).")
    public SecretKeySelector caSecretRef;
  }

  /** The issuer's {@code google_auth}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Google {
    @JsonPropertyDescription("Only accounts of this Google Workspace domain (the ID token's hd claim), e.g."
        + " example.com; default: any Google account with a verified e-mail.")
    @Pattern("^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))+$")
    @Size(max = 253)
    public String domain;

    @JsonPropertyDescription("The OAuth client ID from the Google Cloud console, with redirect URI"
        + " https://REALM_HOST/google_auth.")
    @Required
    @Size(min = 1, max = 256)
    public String clientID;

    @JsonPropertyDescription("The Secret key (default client-secret) holding the client secret; mounted as a file.")
    @Required
    public SecretKeySelector clientSecretRef;
  }
}
