package dev.portcullis.operator.reconciler;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.CredentialProviderModel;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.NodeTrustModel;
import dev.portcullis.operator.model.RegistryImage;
import dev.portcullis.operator.model.SpecCheck;
import dev.portcullis.operator.status.NodeAgentState;
import dev.portcullis.operator.tenancy.HostClaims;
import dev.portcullis.operator.tenancy.PublicRegistryHosts;
import dev.portcullis.operator.tenancy.TenancySettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the cluster's node-trust list: the ConfigMap {@code registries.yaml}, the Secret of the
 * nodes' client certificates (copied from the cert-manager Secrets, since a pod mounts Secrets of
 * its own namespace only) and the node agent's DaemonSet, all in the node agent's namespace (its
 * own, labelled for the privileged Pod Security level the hostPath needs, so that the operator's
 * namespace stays restricted). Called
 * after every reconcile and on deletion, with every registry of the primary cache; writes only
 * when the content changed (a hash annotation, so API-server defaults never cause a rewrite).
 * Nothing is created until a registry asks for node trust.
 */
public final class NodeTrustPublisher {

  public static final String NAMESPACE_ENV = "PORTCULLIS_NAMESPACE";
  public static final String DOCKER_CERTS_D_ENV = "PORTCULLIS_NODE_AGENT_DOCKER_CERTS_D";
  public static final String DEFAULT_NAMESPACE = "portcullis-system";
  /** Where the node agent runs: deploy/node-agent/ creates it, labelled privileged. */
  public static final String AGENT_NAMESPACE_ENV = "PORTCULLIS_NODE_AGENT_NAMESPACE";
  public static final String DEFAULT_AGENT_NAMESPACE = "portcullis-node-agent";
  static final String HASH_ANNOTATION = "portcullis.dev/content-hash";

  private static final Logger log = LoggerFactory.getLogger(NodeTrustPublisher.class);

  /** The operator's own namespace (its Lease). */
  private final String namespace;
  private final String agentNamespace;
  private final String image;
  private final Optional<String> dockerCertsD;
  private final PublicRegistryHosts publicHosts;
  /** Hash of the last published content; null until the first publish looked at the API. */
  private String published;

  /** With no public registry name allowed. */
  public NodeTrustPublisher(String namespace, String image, Optional<String> dockerCertsD) {
    this(namespace, image, dockerCertsD, PublicRegistryHosts.noneAllowed());
  }

  /** {@code publicHosts}: the public registry names the admin lets registries claim. */
  public NodeTrustPublisher(String namespace, String image, Optional<String> dockerCertsD,
      PublicRegistryHosts publicHosts) {
    this(namespace, DEFAULT_AGENT_NAMESPACE, image, dockerCertsD, publicHosts);
  }

  /** {@code agentNamespace}: where the node agent, its list and its client keys live. */
  public NodeTrustPublisher(String namespace, String agentNamespace, String image,
      Optional<String> dockerCertsD, PublicRegistryHosts publicHosts) {
    this.namespace = namespace;
    this.agentNamespace = agentNamespace;
    this.image = image;
    this.dockerCertsD = dockerCertsD;
    this.publicHosts = publicHosts;
  }

  public static NodeTrustPublisher fromEnvironment() {
    return fromEnvironment(TenancySettings.fromEnvironment());
  }

  public static NodeTrustPublisher fromEnvironment(TenancySettings tenancy) {
    String ns = System.getenv(NAMESPACE_ENV);
    String agentNs = System.getenv(AGENT_NAMESPACE_ENV);
    String docker = System.getenv(DOCKER_CERTS_D_ENV);
    return new NodeTrustPublisher(ns == null || ns.isBlank() ? DEFAULT_NAMESPACE : ns,
        agentNs == null || agentNs.isBlank() ? DEFAULT_AGENT_NAMESPACE : agentNs,
        RegistryImage.defaultImage(),
        docker == null || docker.isBlank() ? Optional.empty() : Optional.of(docker),
        tenancy.publicHosts());
  }

  /** The operator's own namespace. */
  public String namespace() {
    return namespace;
  }

  /** The node agent's namespace: its DaemonSet, registries.yaml and the nodes' client keys. */
  public String agentNamespace() {
    return agentNamespace;
  }

  /**
   * What the node agent's DaemonSet says of its pods: its status, and when pods are missing the
   * DaemonSet controller's last FailedCreate event (e.g. refused by Pod Security admission).
   */
  public NodeAgentState agentState(KubernetesClient client) {
    DaemonSet ds = client.apps().daemonSets().inNamespace(agentNamespace)
        .withName(Names.NODE_AGENT).get();
    List<Event> events = List.of();
    if (ds != null && NodeAgentState.podsMissing(ds)) {
      events = client.v1().events().inNamespace(agentNamespace).list().getItems();
    }
    return NodeAgentState.of(agentNamespace, ds, events);
  }

  /** Publishes every registry of the cache with node trust on, except {@code leaving} (being deleted). */
  public synchronized void publish(Context<SecureRegistry> context, SecureRegistry leaving) {
    var entries = new ArrayList<NodeTrustModel.Entry>();
    var clientPems = new LinkedHashMap<String, String>();
    List<SecureRegistry> all = context.getPrimaryCache().list()
        .filter(r -> r.getSpec() != null)
        .filter(r -> r.getMetadata().getDeletionTimestamp() == null)
        .filter(r -> leaving == null || !r.getMetadata().getUid().equals(
            leaving.getMetadata().getUid()))
        .toList();
    // a registry whose hosts are refused is left out whole: nodes only ever trust it for names
    // it owns, and its refusal is in its own status (the reconciler reports the same problems)
    var claimants = HostClaims.firstClaimants(all);
    List<SecureRegistry> registries = all.stream()
        .filter(r -> r.getSpec().effectiveNodeTrust().effectiveEnabled())
        .filter(r -> r.getSpec().effectiveTls().effectiveMode() != TlsSpec.Mode.Disabled)
        .filter(r -> SpecCheck.hostProblems(r).isEmpty()
            && HostClaims.problems(r, claimants, publicHosts).isEmpty())
        .toList();
    for (SecureRegistry r : registries) {
      Secret tls = ReferencedSecrets.get(context, r, Names.tlsSecret(r));
      String ca = value(tls, "ca.crt");
      if (ca == null) {
        continue; // not issued yet: listed once cert-manager has written it (its event reconciles)
      }
      if (r.getSpec().effectiveTls().effectiveMode() == TlsSpec.Mode.MutualTLS) {
        Secret client = ReferencedSecrets.get(context, r,
            Names.clientCertificate(r, Names.NODES_CLIENT));
        String crt = value(client, "tls.crt");
        String key = value(client, "tls.key");
        if (crt == null || key == null) {
          continue;
        }
        String prefix = NodeTrustModel.clientKeyPrefix(r);
        clientPems.put(prefix + ".crt", crt);
        clientPems.put(prefix + ".key", key);
      }
      boolean provider = CredentialProviderModel.specProblems(r).isEmpty()
          && CredentialProviderModel.conflicts(r, registries).isEmpty();
      entries.add(NodeTrustModel.entry(r, ca, provider));
    }
    var configMap = NodeTrustModel.configMap(agentNamespace, entries);
    var secret = NodeTrustModel.clientSecret(agentNamespace, clientPems);
    var daemonSet = NodeTrustModel.daemonSet(agentNamespace, image, dockerCertsD);
    // the host folders stay mounted while any registry asks, so the agent can remove what it
    // installed for one that stopped asking; with none left they go with the next rollout
    CredentialProviderModel.hostPaths(registries)
        .ifPresent(paths -> CredentialProviderModel.withProvider(daemonSet, paths));
    var serialization = context.getClient().getKubernetesSerialization();
    String hash = ContentHash.of(serialization.asJson(configMap) + serialization.asJson(secret)
        + serialization.asJson(daemonSet));
    if (hash.equals(published)) {
      return;
    }
    KubernetesClient client = context.getClient();
    if (entries.isEmpty() && published == null
        && client.configMaps().inNamespace(agentNamespace).withName(Names.NODE_TRUST_CONFIGMAP).get()
        == null) {
      published = hash; // nobody asked for node trust: create nothing
      return;
    }
    // the Secret first: a list naming a key the mounted Secret lacks yet would fail on the nodes
    ensure(client, secret, serialization.asJson(secret));
    ensure(client, configMap, serialization.asJson(configMap));
    ensure(client, daemonSet, serialization.asJson(daemonSet));
    published = hash;
    log.info("node trust: {} registries listed in {}/{}", entries.size(), agentNamespace,
        Names.NODE_TRUST_CONFIGMAP);
  }

  private static <T extends HasMetadata> void ensure(KubernetesClient client, T desired,
      String json) {
    String hash = ContentHash.of(json);
    desired.getMetadata().setAnnotations(new LinkedHashMap<>(java.util.Map.of(HASH_ANNOTATION,
        hash)));
    HasMetadata existing = client.resource(desired).get();
    if (existing == null) {
      try {
        client.resource(desired).create();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        existing = client.resource(desired).get();
      }
    }
    var annotations = existing.getMetadata().getAnnotations();
    if (annotations != null && hash.equals(annotations.get(HASH_ANNOTATION))) {
      return;
    }
    desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
    client.resource(desired).update();
  }

  private static String value(Secret s, String key) {
    if (s == null || s.getData() == null || s.getData().get(key) == null) {
      return null;
    }
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
  }
}
