package dev.portcullis.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A secure container registry, as the user declares it. The CRD in {@code crds/} is generated from
 * this class tree, so this is the single source of the resource's schema.
 */
@Group(SecureRegistry.GROUP)
@Version(SecureRegistry.VERSION)
@ShortNames("sreg")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Endpoint",
    jsonPath = ".status.endpoint",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class SecureRegistry extends CustomResource<SecureRegistrySpec, SecureRegistryStatus>
    implements Namespaced {

  public static final String GROUP = "portcullis.dev";
  public static final String VERSION = "v1alpha1";

  @Override
  protected SecureRegistrySpec initSpec() {
    return new SecureRegistrySpec();
  }
}
