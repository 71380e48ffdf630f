package dev.portcullis.operator.reconciler;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.PullRobot;
import dev.portcullis.operator.tenancy.LabelSelectors;
import dev.portcullis.operator.tenancy.PullSecretTargets;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pull robot's password (generated, rotated on schedule) and the pull secrets in the selected
 * namespaces the admin's {@link PullSecretTargets} allow, attached to the named ServiceAccounts. Everything here is written with the client:
 * the objects live in namespaces the registry does not own, so no owner reference can take them;
 * a namespace leaving the selection, and the registry's deletion, remove them explicitly.
 */
final class PullSecretsPublisher {

  private static final Logger log = LoggerFactory.getLogger(PullSecretsPublisher.class);

  private final Clock clock;
  private final PullSecretTargets targets;
  /**
   * Registries this process has made a robot Secret for: the informer cache may not show it yet,
   * and without it {@link #publish} would take the registry for one that never had pull secrets.
   */
  private final Set<String> robots = ConcurrentHashMap.newKeySet();

  PullSecretsPublisher(Clock clock, PullSecretTargets targets) {
    this.clock = clock;
    this.targets = targets;
  }

  /** The robot's current password, after creating or rotating its Secret when due. */
  String robotPassword(Context<SecureRegistry> context, SecureRegistry r) {
    KubernetesClient client = context.getClient();
    robots.add(r.getMetadata().getUid());
    Secret existing = ReferencedSecrets.get(context, r, PullRobot.secretName(r));
    if (existing == null) { // the informer may not have seen our own create yet
      existing = client.secrets().inNamespace(r.getMetadata().getNamespace())
          .withName(PullRobot.secretName(r)).get();
    }
    Duration interval;
    try {
      interval = dev.portcullis.operator.model.GoDuration.parse(
          r.getSpec().pullSecrets.effectiveRotationInterval()).getDuration();
    } catch (IllegalArgumentException e) {
      interval = Duration.ofDays(30);
    }
    if (!PullRobot.rotationDue(existing, interval, clock.instant())) {
      return new String(Base64.getDecoder().decode(existing.getData().get("password")),
          StandardCharsets.UTF_8);
    }
    String password = PullRobot.newPassword();
    Secret desired = PullRobot.robotSecret(r, password, clock.instant());
    desired.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion(r.getApiVersion()).withKind(r.getKind())
        .withName(r.getMetadata().getName()).withUid(r.getMetadata().getUid())
        .withController(false).withBlockOwnerDeletion(false).build()));
    if (existing == null) {
      client.resource(desired).create();
    } else {
      desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      client.resource(desired).update();
      log.info("{}/{}: pull robot password rotated", r.getMetadata().getNamespace(),
          r.getMetadata().getName());
    }
    return password;
  }

  /** Where pull secrets went, and the namespaces asked for but refused, with why. */
  record Outcome(List<String> published, Map<String, String> refused) {
    static final Outcome NONE = new Outcome(List.of(), Map.of());
  }

  /**
   * Makes the pull secrets match the selection, within the admin's policy; {@code password} null
   * (no pullSecrets, or the registry is being deleted) removes them all.
   */
  Outcome publish(Context<SecureRegistry> context, SecureRegistry r, String password) {
    KubernetesClient client = context.getClient();
    if (password == null && !mayHavePullSecrets(context, r)) {
      // the common case, on every reconcile: a cluster-wide list of Secrets per reconcile made
      // 100 registries take 100s of such lists, enough to time out the API calls (issue 11)
      return Outcome.NONE;
    }
    var informer = context.getControllerConfiguration().getInformerConfig();
    // watching some namespaces, the operator has rights in those only (deploy/single-namespace):
    // it reads and writes there, and never lists anything cluster-wide
    boolean everywhere = informer.watchAllNamespaces();
    Set<String> watched = everywhere ? Set.of() : new TreeSet<>(informer.getNamespaces());
    String own = r.getMetadata().getNamespace();
    var selected = new ArrayList<String>();
    var refused = new TreeMap<String, String>();
    if (password != null && r.getSpec().pullSecrets != null) {
      var candidates = new TreeMap<String, Namespace>();
      r.getSpec().pullSecrets.effectiveNamespaces().forEach(n -> candidates.put(n, null));
      var selector = r.getSpec().pullSecrets.namespaceSelector;
      if (selector != null && everywhere) {
        client.namespaces().withLabelSelector(selector).list().getItems()
            .forEach(n -> candidates.put(n.getMetadata().getName(), n));
      } else if (selector != null) {
        for (String n : watched) {
          Namespace ns = client.namespaces().withName(n).get();
          if (ns != null && LabelSelectors.matches(selector, ns.getMetadata().getLabels())) {
            candidates.put(n, ns);
          }
        }
      }
      for (var c : candidates.entrySet()) {
        String target = c.getKey();
        if (!everywhere && !watched.contains(target)) {
          refused.put(target, "outside the namespaces the operator watches " + watched);
          continue;
        }
        Namespace ns = c.getValue() != null ? c.getValue() : client.namespaces().withName(target)
            .get();
        if (ns == null) {
          continue; // listed but absent: created when the namespace appears (next resync)
        }
        targets.refusal(own, target, ns.getMetadata().getLabels()).ifPresentOrElse(
            why -> refused.put(target, why), () -> selected.add(target));
      }
    }
    String name = PullRobot.pullSecretName(r);
    var existing = new ArrayList<Secret>();
    if (everywhere) {
      existing.addAll(client.secrets().inAnyNamespace()
          .withLabel(PullRobot.REGISTRY_LABEL, PullRobot.registryLabel(r)).list().getItems());
    } else {
      for (String ns : watched) {
        existing.addAll(client.secrets().inNamespace(ns)
            .withLabel(PullRobot.REGISTRY_LABEL, PullRobot.registryLabel(r)).list().getItems());
      }
    }
    for (Secret s : existing) {
      String ns = s.getMetadata().getNamespace();
      // a namespace leaving the selection, and a Secret under an older naming scheme
      if (!selected.contains(ns) || !name.equals(s.getMetadata().getName())) {
        detach(client, ns, s.getMetadata().getName());
        client.resource(s).delete();
        log.info("{}/{}: pull secret {} removed from namespace {}", own,
            r.getMetadata().getName(), s.getMetadata().getName(), ns);
      }
    }
    if (password == null) {
      robots.remove(r.getMetadata().getUid()); // all removed: the cache decides from now on
    }
    for (String ns : selected) {
      Secret desired = PullRobot.pullSecret(r, ns, password);
      Secret current = existing.stream().filter(s -> ns.equals(s.getMetadata().getNamespace())
          && name.equals(s.getMetadata().getName())).findFirst().orElse(null);
      if (current == null) {
        client.resource(desired).create();
      } else if (!Objects.equals(current.getData(), desired.getData())
          || !Objects.equals(current.getType(), desired.getType())) {
        desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
        client.resource(desired).update();
      }
      for (String sa : r.getSpec().pullSecrets.effectiveServiceAccounts()) {
        attach(client, ns, sa, name);
      }
    }
    if (!refused.isEmpty()) {
      log.info("{}/{}: pull secrets refused in {}", own, r.getMetadata().getName(),
          refused.keySet());
    }
    return new Outcome(List.copyOf(selected), refused);
  }

  /**
   * Pull secrets are only ever published after the robot Secret exists in the registry's own
   * namespace (cached by the referenced-Secrets informer, and kept until the registry goes), so
   * without it, and without one made by this process, there is nothing to remove.
   */
  private boolean mayHavePullSecrets(Context<SecureRegistry> context, SecureRegistry r) {
    return robots.contains(r.getMetadata().getUid())
        || ReferencedSecrets.get(context, r, PullRobot.secretName(r)) != null;
  }

  private static void attach(KubernetesClient client, String ns, String sa, String secret) {
    ServiceAccount account = client.serviceAccounts().inNamespace(ns).withName(sa).get();
    if (account == null || refs(account).stream().anyMatch(ref -> secret.equals(ref.getName()))) {
      return;
    }
    client.serviceAccounts().inNamespace(ns).withName(sa).edit(a -> {
      var list = new ArrayList<>(refs(a));
      list.add(new LocalObjectReference(secret));
      a.setImagePullSecrets(list);
      return a;
    });
  }

  private static void detach(KubernetesClient client, String ns, String secret) {
    for (ServiceAccount a : client.serviceAccounts().inNamespace(ns).list().getItems()) {
      if (refs(a).stream().anyMatch(ref -> secret.equals(ref.getName()))) {
        client.serviceAccounts().inNamespace(ns).withName(a.getMetadata().getName()).edit(x -> {
          x.setImagePullSecrets(new ArrayList<>(refs(x).stream()
              .filter(ref -> !secret.equals(ref.getName())).toList()));
          return x;
        });
      }
    }
  }

  private static List<LocalObjectReference> refs(ServiceAccount a) {
    return a.getImagePullSecrets() == null ? List.of() : a.getImagePullSecrets();
  }
}
