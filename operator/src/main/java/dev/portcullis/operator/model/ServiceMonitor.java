package dev.portcullis.operator.model;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The Prometheus Operator's ServiceMonitor, by name only: its spec stays a generic map (the one
 * this operator writes is built by {@link MonitoringModel}), and the annotations let the client
 * address it without asking the API server's discovery, which fails while the CRD is missing.
 * Not a CustomResource, so the build generates no CRD for it.
 */
@Group(MonitoringModel.GROUP)
@Version(MonitoringModel.VERSION)
@Kind(MonitoringModel.KIND)
@Plural(MonitoringModel.PLURAL)
public class ServiceMonitor extends GenericKubernetesResource implements Namespaced {}
