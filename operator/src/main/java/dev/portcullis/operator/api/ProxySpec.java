package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * The registry as a pull-through cache of public registries, beside its own repositories: each
 * upstream is cached under its name ({@code docker.io/library/nginx}), and with nodeTrust every
 * node pulls that upstream's images through the cache without a change to an image name.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SchemaCustomizer(value = ListMapKeyedByName.class, input = "upstreams")
public class ProxySpec {

  @JsonPropertyDescription(
      "Registries to cache, each under its name: docker.io/library/nginx is Docker Hub's"
          + " library/nginx. With nodeTrust, the node agent names this registry as every node's"
          + " containerd mirror of each of them.")
  @Required
  @Size(min = 1, max = 16)
  public List<ProxyUpstreamSpec> upstreams;

  @JsonPropertyDescription(
      "Let requests without credentials pull the cached names (never the hosted ones, never"
          + " push). Off by default: nodes then pull through the cache only with the nodes' client"
          + " certificate (tls.mode MutualTLS), and otherwise fall back to the upstream itself. Turn"
          + " it on for TLS without client certificates, knowing that whoever reaches the registry"
          + " can read what was cached with the upstreams' credentials.")
  @Default("false")
  public Boolean anonymousPull;

  @JsonPropertyDescription(
      "sizeLimit of the registry's /tmp volume, where blobs in transit from an upstream are"
          + " staged until verified (at most the blobs being fetched at once). Unset, /tmp is"
          + " bounded only by the node's ephemeral storage; when set, a pod exceeding it is evicted.")
  @Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")
  public String tempSizeLimit;

  public List<ProxyUpstreamSpec> effectiveUpstreams() {
    return upstreams == null ? List.of() : upstreams;
  }

  public boolean effectiveAnonymousPull() {
    return Boolean.TRUE.equals(anonymousPull);
  }
}
