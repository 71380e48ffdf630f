package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * The registry's webhooks (Distribution's {@code notifications} section): every push, pull,
 * mount and delete is written to a durable outbox on the registry's storage before the request is
 * answered, and delivered at least once to each endpoint.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SchemaCustomizer(value = ListMapKeyedByName.class, input = "endpoints")
public class NotificationsSpec {

  public static final int MAX_ENDPOINTS = 16;

  @JsonPropertyDescription("Receivers of the registry's events, each with its own outbox.")
  @Required
  @Size(min = 1, max = MAX_ENDPOINTS)
  public List<NotificationEndpointSpec> endpoints;

  @JsonPropertyDescription(
      "Manifest events list the manifest's config and layers (or an index's manifests) in"
          + " target.references (Distribution's events.includereferences).")
  @Default("false")
  public Boolean includeReferences;

  public List<NotificationEndpointSpec> effectiveEndpoints() {
    return endpoints == null ? List.of() : endpoints;
  }

  public boolean effectiveIncludeReferences() {
    return Boolean.TRUE.equals(includeReferences);
  }
}
