package dev.portcullis.operator.testsupport.kubelet;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/**
 * The controller-manager's garbage collector, which the mock API server lacks: an object whose
 * every owner reference names an owner that is gone (or has another uid) is deleted, as
 * background cascading deletion would. Only the kinds the operator creates are scanned, and
 * cert-manager's Certificates and Issuers.
 */
final class GarbageCollector {
  private final KubernetesClient client;

  GarbageCollector(KubernetesClient client) {
    this.client = client;
  }

  void collect() {
    var objects = new ArrayList<HasMetadata>();
    objects.addAll(client.apps().deployments().inAnyNamespace().list().getItems());
    objects.addAll(client.apps().daemonSets().inAnyNamespace().list().getItems());
    objects.addAll(client.batch().v1().cronjobs().inAnyNamespace().list().getItems());
    objects.addAll(client.batch().v1().jobs().inAnyNamespace().list().getItems());
    objects.addAll(client.services().inAnyNamespace().list().getItems());
    objects.addAll(client.configMaps().inAnyNamespace().list().getItems());
    objects.addAll(client.secrets().inAnyNamespace().list().getItems());
    objects.addAll(client.persistentVolumeClaims().inAnyNamespace().list().getItems());
    for (String kind : List.of("Certificate", "Issuer")) {
      objects.addAll(client.genericKubernetesResources("cert-manager.io/v1", kind)
          .inAnyNamespace().list().getItems());
    }
    for (HasMetadata o : objects) {
      List<OwnerReference> owners = o.getMetadata().getOwnerReferences();
      if (owners == null || owners.isEmpty()) {
        continue;
      }
      boolean orphan = owners.stream().noneMatch(ref -> exists(o.getMetadata().getNamespace(), ref));
      if (orphan) {
        client.resource(o).delete();
      }
    }
  }

  private boolean exists(String ns, OwnerReference ref) {
    GenericKubernetesResource owner = client.genericKubernetesResources(ref.getApiVersion(),
        ref.getKind()).inNamespace(ns).withName(ref.getName()).get();
    return owner != null && ref.getUid().equals(owner.getMetadata().getUid());
  }
}
