package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** Metadata shared by the registry's own objects (owner references are JOSDK's business). */
final class Meta {
  private Meta() {}

  static ObjectMeta of(SecureRegistry r, String name) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(r.getMetadata().getNamespace())
        .withLabels(Names.labels(r))
        .build();
  }
}
