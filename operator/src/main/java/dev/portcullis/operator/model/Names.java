package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Names and labels of everything a SecureRegistry produces, in one place so that the model, the
 * dependents, the status and the tests agree on them.
 */
public final class Names {

  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "portcullis-operator";
  /** Label selector of every informer on objects the operator owns. */
  public static final String MANAGED_SELECTOR = MANAGED_BY_LABEL + "=" + MANAGED_BY;

  public static final String NAME_LABEL = "app.kubernetes.io/name";
  public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
  /** The name label of the registry's own objects and pods. */
  public static final String REGISTRY_NAME = "portcullis-registry";
  public static final String COMPONENT_LABEL = "app.kubernetes.io/component";

  /** The per-namespace bootstrap CA, shared by every registry of the namespace without issuerRef. */
  public static final String SELF_SIGNED_ISSUER = "portcullis-selfsigned";
  public static final String CA_CERTIFICATE = "portcullis-ca";
  public static final String CA_SECRET = "portcullis-ca";
  public static final String CA_ISSUER = "portcullis-ca";

  public static final int REGISTRY_PORT = 5000;
  public static final int DEBUG_PORT = 5001;

  /** The shared node-trust objects, in the operator's namespace. */
  public static final String NODE_AGENT = "portcullis-node-agent";
  public static final String NODE_TRUST_CONFIGMAP = "portcullis-node-trust";
  public static final String NODE_TRUST_SECRET = "portcullis-node-trust-clients";
  /** Reserved client certificate names: the nodes' (node trust) and the operator's health probe. */
  public static final String NODES_CLIENT = "nodes";
  public static final String PROBE_CLIENT = "probe";

  private Names() {}

  /** Certificate and Secret of a client certificate. */
  public static String clientCertificate(SecureRegistry r, String name) {
    return r.getMetadata().getName() + "-client-" + name;
  }

  /** The namespace CA copied for BackendTLSPolicy (expose.gateway.mode BackendTLS). */
  public static String backendCa(SecureRegistry r) {
    return r.getMetadata().getName() + "-backend-ca";
  }

  public static String podDisruptionBudget(SecureRegistry r) {
    return r.getMetadata().getName();
  }

  public static String networkPolicy(SecureRegistry r) {
    return r.getMetadata().getName();
  }

  public static String gcCronJob(SecureRegistry r) {
    return r.getMetadata().getName() + "-gc";
  }

  /** The headless Service a ServiceMonitor selects: the registry pods' debug port only. */
  public static String metricsService(SecureRegistry r) {
    return r.getMetadata().getName() + "-metrics";
  }

  public static String serviceMonitor(SecureRegistry r) {
    return r.getMetadata().getName();
  }

  /** The managed token issuer: Deployment, Service, ConfigMap <name>-auth-config. */
  public static String authServer(SecureRegistry r) {
    return r.getMetadata().getName() + "-auth";
  }

  public static String authServerConfig(SecureRegistry r) {
    return r.getMetadata().getName() + "-auth-config";
  }

  public static String authServerTls(SecureRegistry r) {
    return r.getMetadata().getName() + "-auth-tls";
  }

  /** The token-signing Certificate and its Secret (key and certificate the issuer signs with). */
  public static String tokenSigning(SecureRegistry r) {
    return r.getMetadata().getName() + "-token-signing";
  }

  /** Subject CN of the token-signing certificate: the one signer the registry accepts. */
  public static String tokenSigner(SecureRegistry r) {
    return r.getMetadata().getName() + "-token-signer";
  }

  /** The registry's token CA: its Certificate, Secret and CA Issuer share this name. */
  public static String tokenCa(SecureRegistry r) {
    return r.getMetadata().getName() + "-token-ca";
  }

  /** The SelfSigned Issuer that signs only the registry's token CA. */
  public static String tokenCaSelfSigned(SecureRegistry r) {
    return r.getMetadata().getName() + "-token-selfsigned";
  }

  /** Labels (and pod selector) of the token issuer's own objects. */
  public static Map<String, String> authServerLabels(SecureRegistry r) {
    var labels = new LinkedHashMap<String, String>();
    labels.put(NAME_LABEL, "portcullis-auth-server");
    labels.put(INSTANCE_LABEL, r.getMetadata().getName());
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    return labels;
  }

  /** Labels of the cluster-wide node-trust objects. */
  public static Map<String, String> nodeTrustLabels() {
    var labels = new LinkedHashMap<String, String>();
    labels.put(NAME_LABEL, NODE_AGENT);
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    return labels;
  }

  public static String configMap(SecureRegistry r) {
    return r.getMetadata().getName() + "-config";
  }

  public static String htpasswdSecret(SecureRegistry r) {
    return r.getMetadata().getName() + "-htpasswd";
  }

  public static String serverCertificate(SecureRegistry r) {
    return r.getMetadata().getName() + "-tls";
  }

  public static String tlsSecret(SecureRegistry r) {
    return r.getMetadata().getName() + "-tls";
  }

  public static String pvc(SecureRegistry r) {
    return r.getMetadata().getName() + "-data";
  }

  public static String deployment(SecureRegistry r) {
    return r.getMetadata().getName();
  }

  public static String service(SecureRegistry r) {
    return r.getMetadata().getName();
  }

  /** Labels of the registry's own objects; also the pod selector, so never change them. */
  public static Map<String, String> selectorLabels(SecureRegistry r) {
    var labels = new LinkedHashMap<String, String>();
    labels.put(NAME_LABEL, REGISTRY_NAME);
    labels.put(INSTANCE_LABEL, r.getMetadata().getName());
    return labels;
  }

  public static Map<String, String> labels(SecureRegistry r) {
    var labels = new LinkedHashMap<>(selectorLabels(r));
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    return labels;
  }

  /**
   * Labels of the garbage-collection Job's pods: the registry's instance, but not its name, so
   * that neither the Services nor the Deployment nor the PodDisruptionBudget select a pod that
   * serves nothing.
   */
  public static Map<String, String> gcPodLabels(SecureRegistry r) {
    var labels = new LinkedHashMap<String, String>();
    labels.put(NAME_LABEL, "portcullis-garbage-collect");
    labels.put(INSTANCE_LABEL, r.getMetadata().getName());
    labels.put(COMPONENT_LABEL, "garbage-collection");
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    return labels;
  }

  /** Labels of the shared per-namespace CA objects: no instance, since no single registry owns them. */
  public static Map<String, String> sharedLabels() {
    var labels = new LinkedHashMap<String, String>();
    labels.put(NAME_LABEL, "portcullis-ca");
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    return labels;
  }
}
