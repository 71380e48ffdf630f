package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One registry the SecureRegistry caches. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProxyUpstreamSpec {

  static final String DURATION = "^(0|([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+)$";

  @JsonPropertyDescription(
      "The registry as image names spell it (docker.io, ghcr.io, quay.io, registry.k8s.io): the"
          + " repository prefix it is cached under, containerd's ?ns= value, and the"
          + " /etc/containerd/certs.d folder the node agent writes for it.")
  @Required
  @Size(max = 253)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$")
  public String name;

  @JsonPropertyDescription(
      "The upstream's https URL without a path, e.g. https://registry-1.docker.io for docker.io."
          + " Nodes fall back to it when the cache does not answer.")
  @Required
  @Size(max = 512)
  @Pattern("^https://[^/\"\\\\\\s]+/?$")
  public String url;

  @JsonPropertyDescription(
      "Credentials for the upstream (an account raises Docker Hub's pull limit): a Secret of the"
          + " registry's namespace, mounted into the registry pod. Anonymous when unset.")
  public CredentialsSecretRef credentialsSecretRef;

  @JsonPropertyDescription(
      "Content not pulled for this long expires from the cache, a Go duration or 0 for never"
          + " (default 168h).")
  @Default("168h")
  @Pattern(DURATION)
  public String ttl;

  @JsonPropertyDescription(
      "How long a cached tag is served before the upstream is asked (a HEAD, which Docker Hub"
          + " does not count) whether it moved, a Go duration (default 5m).")
  @Default("5m")
  @Pattern(DURATION)
  public String tagTTL;

  @JsonPropertyDescription(
      "Extra CAs for the upstream's TLS (PEM); the JDK's public CAs are always trusted.")
  public AuthSpec.SecretKeyRef caSecretRef;

  public String effectiveTtl() {
    return ttl == null ? "168h" : ttl;
  }

  public String effectiveTagTtl() {
    return tagTTL == null ? "5m" : tagTTL;
  }

  /** A Secret holding an upstream's user name and password. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CredentialsSecretRef {
    @Required
    @Size(max = 253)
    public String name;

    @JsonPropertyDescription("Key of the user name (default username).")
    @Default("username")
    public String usernameKey;

    @JsonPropertyDescription("Key of the password or access token (default password).")
    @Default("password")
    public String passwordKey;

    public String effectiveUsernameKey() {
      return usernameKey == null ? "username" : usernameKey;
    }

    public String effectivePasswordKey() {
      return passwordKey == null ? "password" : passwordKey;
    }
  }
}
