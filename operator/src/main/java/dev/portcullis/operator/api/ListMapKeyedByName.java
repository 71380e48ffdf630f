package dev.portcullis.operator.api;

import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;

/**
 * Marks the list property named by the input as {@code x-kubernetes-list-type: map} keyed by {@code name}: the API
 * server then rejects duplicate names itself (no CEL rule, no cost) and server-side apply merges entries by name.
 * Used by the CRD generator at build time only (the generator has no annotation for list types).
 */
public final class ListMapKeyedByName implements SchemaCustomizer.Customizer {
  @Override
  public JSONSchemaProps apply(JSONSchemaProps schema, String property, KubernetesSerialization serialization) {
    JSONSchemaProps list = schema.getProperties() == null ? null : schema.getProperties().get(property);
    if (list == null || !"array".equals(list.getType())) {
      throw new IllegalArgumentException("no list property " + property + " to key by name");
    }
    list.setXKubernetesListType("map");
    list.setXKubernetesListMapKeys(List.of("name"));
    return schema;
  }
}
