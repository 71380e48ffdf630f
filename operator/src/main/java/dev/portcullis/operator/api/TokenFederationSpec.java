package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.util.List;
import java.util.Map;

/**
 * {@code auth.token.managed.federation}: workload identity federation (the issuer's {@code oidc_federation}). An
 * OpenID Connect ID token from a trusted issuer (GitHub Actions, GitLab CI, another cluster's ServiceAccount issuer),
 * given as the {@code docker login} password, is the login: no long-lived CI secret exists to leak.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SchemaCustomizer(value = ListMapKeyedByName.class, input = "issuers")
@ValidationRule(
    value = "(!has(self.timeout) || duration(self.timeout) > duration('0s'))"
        + " && (!has(self.clockSkew) || duration(self.clockSkew) <= duration('5m'))",
    message = "federation.timeout must be longer than 0s and federation.clockSkew at most 5m")
@ValidationRule(
    value = "duration(has(self.jwksCacheTTL) ? self.jwksCacheTTL : '5m')"
        + " > duration(has(self.jwksMinRefreshInterval) ? self.jwksMinRefreshInterval : '30s')"
        + " && duration(has(self.jwksMinRefreshInterval) ? self.jwksMinRefreshInterval : '30s') > duration('0s')",
    message = "federation.jwksCacheTTL (default 5m) must be longer than jwksMinRefreshInterval (default 30s),"
        + " which must be longer than 0s, or a rotated key could never be fetched")
@ValidationRule(
    value = "self.issuers.all(a, self.issuers.exists_one(b, b.issuer == a.issuer))",
    message = "federation.issuers lists an issuer URL twice: a token's iss must select one entry")
public class TokenFederationSpec {

  /** A Go duration, as the issuer's config parser reads it. */
  static final String DURATION = "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$";

  @JsonPropertyDescription("The trusted issuers, each named (logs and refusals name it); names are unique.")
  @Required
  @Size(min = 1, max = 8)
  public List<Issuer> issuers;

  @JsonPropertyDescription("Timeout for fetching an issuer's discovery document and keys, a Go duration (default 5s).")
  @Pattern(DURATION)
  @Size(max = 32)
  public String timeout;

  @JsonPropertyDescription("Clock skew tolerated on exp, nbf and iat, a Go duration of at most 5m (default 60s).")
  @Pattern(DURATION)
  @Size(max = 32)
  public String clockSkew;

  @JsonPropertyDescription("How long an issuer's keys are kept, a Go duration longer than jwksMinRefreshInterval"
      + " (default 5m).")
  @Pattern(DURATION)
  @Size(max = 32)
  public String jwksCacheTTL;

  @JsonPropertyDescription("The least time between two fetches of an issuer's keys (an unknown kid triggers one),"
      + " a Go duration (default 30s).")
  @Pattern(DURATION)
  @Size(max = 32)
  public String jwksMinRefreshInterval;

  /** One trusted issuer and how its tokens map to an account and labels. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "!has(self.maxTokenAge) || duration(self.maxTokenAge) > duration('0s')",
      message = "a federation issuer's maxTokenAge must be longer than 0s")
  @ValidationRule(
      value = "!has(self.caSecretRef) || !has(self.caConfigMapRef)",
      message = "a federation issuer has two CAs: set one of caSecretRef, caConfigMapRef")
  public static class Issuer {
    @JsonPropertyDescription("A name for this issuer, e.g. github-actions (lower case, digits, '-').")
    @Required
    @Pattern("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
    @Size(max = 63)
    public String name;

    @JsonPropertyDescription("The issuer URL, https only (its discovery document and keys decide whose signatures"
        + " are believed), e.g. https://token.actions.githubusercontent.com; it must equal the tokens' iss.")
    @Required
    @Pattern("^https://[^\\s?#]+$")
    @Size(max = 512)
    public String issuer;

    @JsonPropertyDescription("The aud a token must carry, e.g. the registry's host name.")
    @Required
    @Size(min = 1, max = 256)
    public String audience;

    @JsonPropertyDescription("The claim that becomes the account (the docker login user name must equal it),"
        + " e.g. repository.")
    @Required
    @Size(min = 1, max = 128)
    public String accountClaim;

    @JsonPropertyDescription("Labels for ACL rules' match.labels: label name to the claim that fills it,"
        + " e.g. owner: repository_owner.")
    @Size(max = 16)
    public Map<String, @Size(min = 1, max = 128) String> labels;

    @JsonPropertyDescription("Claim values a token must carry, e.g. repository_owner: acme.")
    @Size(max = 16)
    public Map<String, @Size(min = 1, max = 256) String> claims;

    @JsonPropertyDescription("A Secret key (default ca.crt) with the PEM CA of the issuer's HTTPS certificate"
        + " (default: the image's trust store).")
    public SecretKeySelector caSecretRef;

    @JsonPropertyDescription("A ConfigMap key (default ca.crt) with the PEM CA of the issuer's HTTPS certificate.")
    public ConfigMapKeySelector caConfigMapRef;

    @JsonPropertyDescription("The oldest token accepted (now - iat), a Go duration, e.g. 10m (default: exp only).")
    @Pattern(DURATION)
    @Size(max = 32)
    public String maxTokenAge;
  }
}
