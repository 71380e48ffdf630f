package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/**
 * What the user asks for. Every optional field has a schema default and the same default in the
 * {@code effective...()} helpers, because the API server applies schema defaults but the mock
 * server (and an old object stored before a default existed) does not.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.auth) || !has(self.auth.mode) || self.auth.mode != 'Htpasswd'"
            + " || has(self.auth.htpasswd)",
    message = "auth.mode Htpasswd needs auth.htpasswd (users or existingSecretRef)")
@ValidationRule(
    value =
        "(has(self.auth) && (has(self.auth.mode) || has(self.auth.htpasswd)"
            + " || has(self.auth.token))) || (has(self.tls) && has(self.tls.mode)"
            + " && self.tls.mode == 'MutualTLS')",
    message = "auth needs auth.htpasswd or auth.token, or auth.mode None for a registry anyone"
        + " who reaches it can push to")
@ValidationRule(
    value =
        "!has(self.pullSecrets) || (has(self.auth)"
            + " && ((has(self.auth.htpasswd) && has(self.auth.htpasswd.users)"
            + " && (!has(self.auth.mode) || self.auth.mode == 'Htpasswd'))"
            + " || (((has(self.auth.mode) && self.auth.mode == 'Token')"
            + " || (!has(self.auth.mode) && has(self.auth.token) && !has(self.auth.htpasswd)))"
            + " && (!has(self.auth.token) || !has(self.auth.token.issuer)"
            + " || self.auth.token.issuer == 'Managed'))))",
    message = "pullSecrets need auth.mode Htpasswd with auth.htpasswd.users, or the managed token"
        + " issuer")
@ValidationRule(
    value =
        "!has(self.nodeTrust) || !has(self.nodeTrust.enabled) || !self.nodeTrust.enabled"
            + " || !has(self.tls) || !has(self.tls.mode) || self.tls.mode != 'Disabled'",
    message = "nodeTrust needs TLS: nodes trust a CA")
@ValidationRule(
    value =
        "!has(self.nodeTrust) || !has(self.nodeTrust.credentialProvider)"
            + " || !has(self.nodeTrust.credentialProvider.enabled)"
            + " || !self.nodeTrust.credentialProvider.enabled"
            + " || (has(self.nodeTrust.enabled) && self.nodeTrust.enabled)",
    message = "nodeTrust.credentialProvider needs nodeTrust.enabled: the node agent installs it")
@ValidationRule(
    value =
        "!has(self.nodeTrust) || !has(self.nodeTrust.credentialProvider)"
            + " || !has(self.nodeTrust.credentialProvider.enabled)"
            + " || !self.nodeTrust.credentialProvider.enabled"
            + " || (has(self.auth) && (!has(self.auth.mode) || self.auth.mode == 'Token')"
            + " && has(self.auth.token) && (!has(self.auth.token.issuer)"
            + " || self.auth.token.issuer == 'Managed') && has(self.auth.token.managed)"
            + " && has(self.auth.token.managed.kubernetes)"
            + " && has(self.auth.token.managed.kubernetes.enabled)"
            + " && self.auth.token.managed.kubernetes.enabled"
            + " && has(self.auth.token.managed.kubernetes.audiences))",
    message = "nodeTrust.credentialProvider needs auth.mode Token with the managed issuer's"
        + " kubernetes logins and their audiences: pods log in with their ServiceAccount token")
@ValidationRule(
    value =
        "!has(self.tls) || !has(self.tls.clientCaSecretRef) || (has(self.tls.mode)"
            + " && self.tls.mode == 'MutualTLS')",
    message = "tls.clientCaSecretRef needs tls.mode MutualTLS")
@ValidationRule(
    value = "!has(self.garbageCollection) || !has(self.storage.emptyDir)",
    message = "garbageCollection cannot reach an emptyDir: use a claim or s3")
@ValidationRule(
    value =
        "!has(self.replicas) || self.replicas <= 1 || has(self.storage.s3)"
            + " || has(self.storage.azure) ||"
            + " (has(self.storage.persistentVolumeClaim) &&"
            + " has(self.storage.persistentVolumeClaim.accessModes) &&"
            + " 'ReadWriteMany' in self.storage.persistentVolumeClaim.accessModes)",
    message = "replicas above 1 need s3 or azure storage or a ReadWriteMany claim")
@ValidationRule(
    value = "!has(self.expose) || !has(self.expose.ingress) || !has(self.expose.gateway)",
    message = "expose takes one of ingress or gateway")
@ValidationRule(
    value = "!has(self.expose) || !has(self.tls) || !has(self.tls.mode)"
        + " || self.tls.mode != 'Disabled'",
    message = "expose needs TLS: the ingress or gateway passes TLS through or re-encrypts to it")
@ValidationRule(
    value = "!has(self.expose) || !has(self.expose.ingress) || !has(self.expose.ingress.tls)"
        + " || self.expose.ingress.tls != 'Reencrypt' || !has(self.tls) || !has(self.tls.mode)"
        + " || self.tls.mode != 'MutualTLS'",
    message = "expose.ingress.tls Reencrypt ends the client's TLS at the ingress, so MutualTLS"
        + " never sees a client certificate: use Passthrough")
@ValidationRule(
    value = "!has(self.expose) || !has(self.expose.gateway) || !has(self.expose.gateway.mode)"
        + " || self.expose.gateway.mode != 'BackendTLS' || !has(self.tls) || !has(self.tls.mode)"
        + " || self.tls.mode != 'MutualTLS'",
    message = "expose.gateway.mode BackendTLS ends the client's TLS at the Gateway, so MutualTLS"
        + " never sees a client certificate: use TLSPassthrough")
@ValidationRule(
    value = "!has(self.expose) || !((has(self.expose.ingress) && has(self.expose.ingress.tokenHost))"
        + " || (has(self.expose.gateway) && has(self.expose.gateway.tokenHost)))"
        + " || (has(self.auth)"
        + " && ((has(self.auth.mode) && self.auth.mode == 'Token')"
        + " || (!has(self.auth.mode) && has(self.auth.token) && !has(self.auth.htpasswd)))"
        + " && (!has(self.auth.token) || !has(self.auth.token.issuer)"
        + " || self.auth.token.issuer == 'Managed')"
        + " && (!has(self.auth.token) || !has(self.auth.token.managed)"
        + " || !has(self.auth.token.managed.realm)))",
    message = "expose tokenHost needs the managed token issuer, and replaces"
        + " auth.token.managed.realm: set one of them")
public class SecureRegistrySpec {

  @JsonPropertyDescription(
      "Number of registry pods. Above 1 needs s3 or azure storage or a ReadWriteMany claim.")
  @Default("1")
  @Min(0)
  public Integer replicas;

  @JsonPropertyDescription(
      "Registry image. Defaults to the Portcullis registry image of the operator's version.")
  public String image;

  @JsonPropertyDescription(
      "Extra DNS names clients use, each a DNS-1123 host name with an optional :port (no"
          + " wildcard); they go into the server certificate, the pull secrets and, with"
          + " nodeTrust, every node's containerd configuration. A name another SecureRegistry"
          + " claimed first, or a well-known public registry (docker.io, ghcr.io, ...) the"
          + " cluster's admin has not allowed, is refused.")
  @Size(max = dev.portcullis.operator.tenancy.RegistryHosts.MAX_HOSTS)
  public List<@Pattern(dev.portcullis.operator.tenancy.RegistryHosts.PATTERN)
      @Size(max = dev.portcullis.operator.tenancy.RegistryHosts.MAX_LENGTH) String> host;

  public ServiceSpec service;

  public TlsSpec tls;

  public AuthSpec auth;

  @ValidationRule(
      value =
          "(has(self.persistentVolumeClaim) ? 1 : 0) + (has(self.emptyDir) ? 1 : 0)"
              + " + (has(self.s3) ? 1 : 0) + (has(self.azure) ? 1 : 0) == 1",
      message = "storage needs exactly one of persistentVolumeClaim, emptyDir, s3, azure")
  @Required
  public StorageSpec storage;

  public HealthSpec health;

  public NodeTrustSpec nodeTrust;

  @JsonPropertyDescription(
      "dockerconfigjson Secrets with a generated pull-only robot account, in other namespaces."
          + " Needs auth.mode Htpasswd with auth.htpasswd.users, or Token with the managed issuer.")
  public PullSecretsSpec pullSecrets;

  public GarbageCollectionSpec garbageCollection;

  public NetworkPolicySpec networkPolicy;

  @JsonPropertyDescription(
      "Reach the registry (and its managed token issuer) from outside the cluster: an Ingress or"
          + " Gateway API TLSRoutes the operator creates; the external host joins the registry's"
          + " hosts and status.endpoint.")
  public ExposeSpec expose;

  @JsonPropertyDescription("Compute resources of the registry container.")
  public ResourceRequirements resources;

  public Map<String, String> nodeSelector;

  public List<Toleration> tolerations;

  public Affinity affinity;

  @JsonPropertyDescription(
      "Secrets the registry, token issuer and garbage-collection pods pull their images with, as"
          + " in a PodSpec (a private mirror of the Portcullis images). Not the node agent"
          + " DaemonSet: one for the cluster, it serves every registry.")
  public List<LocalObjectReference> imagePullSecrets;

  public MonitoringSpec monitoring;

  @JsonPropertyDescription(
      "A pull-through cache of public registries (docker.io, ghcr.io, ...) beside the hosted"
          + " repositories; with nodeTrust, nodes pull those registries' images through it.")
  public ProxySpec proxy;

  @JsonPropertyDescription(
      "Webhooks for every push, pull, mount and delete (Distribution's notifications, with a"
          + " durable outbox): header values and signing keys from Secrets.")
  public NotificationsSpec notifications;

  public int effectiveReplicas() {
    return replicas == null ? 1 : replicas;
  }

  /** {@code host}, then the external host of {@code expose}: every name clients use. */
  public List<String> effectiveHosts() {
    String exposed = expose == null ? null : expose.host();
    if (exposed == null) {
      return host == null ? List.of() : host;
    }
    var all = new java.util.ArrayList<>(host == null ? List.<String>of() : host);
    if (!all.contains(exposed)) {
      all.add(exposed);
    }
    return all;
  }

  public ServiceSpec effectiveService() {
    return service == null ? new ServiceSpec() : service;
  }

  public TlsSpec effectiveTls() {
    return tls == null ? new TlsSpec() : tls;
  }

  public AuthSpec effectiveAuth() {
    return auth == null ? new AuthSpec() : auth;
  }

  public NodeTrustSpec effectiveNodeTrust() {
    return nodeTrust == null ? new NodeTrustSpec() : nodeTrust;
  }

  public MonitoringSpec effectiveMonitoring() {
    return monitoring == null ? new MonitoringSpec() : monitoring;
  }

  public HealthSpec effectiveHealth() {
    return health == null ? new HealthSpec() : health;
  }

  /** Storage is required by the schema; a missing one (mock server) means a PVC with defaults. */
  public StorageSpec effectiveStorage() {
    if (storage == null) {
      var s = new StorageSpec();
      s.persistentVolumeClaim = new StorageSpec.PersistentVolumeClaim();
      return s;
    }
    return storage;
  }
}
