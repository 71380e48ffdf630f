package dev.portcullis.operator.model;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.api.TlsSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The registry Deployment, following the registry image's contract: args, uid 65532, ports 5000
 * (registry) and 5001 (debug: probes and metrics, plain HTTP so probes work under mutual TLS),
 * mounts. The pod template carries a hash of config.yml and nothing derived from certificates or
 * passwords: the registry reloads those files live, so a renewal or password change rolls nothing.
 * The one exception is the token CA (read once at start), which a renewal does not change.
 */
public final class DeploymentModel {

  public static final String CONFIG_HASH_ANNOTATION = "portcullis.dev/config-hash";
  public static final long UID = 65532L;
  public static final String S3_ACCESS_KEY_ENV = "REGISTRY_STORAGE_S3_ACCESSKEY";
  public static final String S3_SECRET_KEY_ENV = "REGISTRY_STORAGE_S3_SECRETKEY";
  public static final String AZURE_ACCOUNT_KEY_ENV = "REGISTRY_STORAGE_AZURE_ACCOUNTKEY";

  private DeploymentModel() {}

  /**
   * Pod template annotation naming the token CA the registry trusts. The registry reads
   * {@code auth.token.rootcertbundle} at start, so a new token CA (a first install, an upgrade
   * from the shared-CA layout, a replaced CA) rolls the pods; a renewed signing certificate does
   * not change it and rolls nothing.
   */
  public static final String TOKEN_CA_ANNOTATION = "portcullis.dev/token-ca";

  public static Deployment desired(SecureRegistry r) {
    return desired(r, null);
  }

  /** With {@code tokenCa} ({@link TokenSigningCa#trustFingerprint}), or null when none. */
  public static Deployment desired(SecureRegistry r, String tokenCa) {
    var spec = r.getSpec();
    var annotations = new LinkedHashMap<String, String>();
    annotations.put(CONFIG_HASH_ANNOTATION, ConfigMapModel.configHash(r));
    if (tokenCa != null) {
      annotations.put(TOKEN_CA_ANNOTATION, tokenCa);
    }
    return new DeploymentBuilder()
        .withMetadata(Meta.of(r, Names.deployment(r)))
        .withNewSpec()
          .withReplicas(spec.effectiveReplicas())
          .withNewSelector().withMatchLabels(Names.selectorLabels(r)).endSelector()
          .withNewStrategy()
            .withType(PvcModel.needsRecreate(r) ? "Recreate" : "RollingUpdate")
          .endStrategy()
          .withNewTemplate()
            .withNewMetadata()
              .withLabels(Names.labels(r))
              .withAnnotations(annotations)
            .endMetadata()
            .withNewSpec()
              // the registry never talks to the Kubernetes API
              .withAutomountServiceAccountToken(false)
              .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(UID)
                .withRunAsGroup(UID)
                .withFsGroup(UID)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
              .endSecurityContext()
              .withContainers(container(r))
              .withVolumes(volumes(r))
              .withNodeSelector(spec.nodeSelector)
              .withTolerations(spec.tolerations)
              .withAffinity(spec.affinity)
              .withImagePullSecrets(spec.imagePullSecrets)
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  /** A container that exits with an error leaves its last log lines as its termination message. */
  public static final String TERMINATION_MESSAGE_POLICY = "FallbackToLogsOnError";

  static Container container(SecureRegistry r) {
    var spec = r.getSpec();
    return new ContainerBuilder()
        .withName("registry")
        .withImage(RegistryImage.imageFor(r))
        .withArgs("serve", RegistryConfig.CONFIG_PATH)
        .addNewPort().withName("registry").withContainerPort(Names.REGISTRY_PORT)
          .withProtocol("TCP").endPort()
        .addNewPort().withName("debug").withContainerPort(Names.DEBUG_PORT)
          .withProtocol("TCP").endPort()
        .withEnv(env(r))
        .withStartupProbe(startupProbe())
        .withLivenessProbe(probe("/livez", 3))
        .withReadinessProbe(probe("/readyz", 1))
        .withVolumeMounts(mounts(r))
        .withResources(spec.resources)
        // the last log lines reach the pod's lastState.terminated.message, which the status quotes
        .withTerminationMessagePolicy(TERMINATION_MESSAGE_POLICY)
        .withNewSecurityContext()
          .withRunAsNonRoot(true)
          .withAllowPrivilegeEscalation(false)
          .withReadOnlyRootFilesystem(true)
          .withNewCapabilities().withDrop("ALL").endCapabilities()
          .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext()
        .build();
  }

  /**
   * Holds the liveness probe off until the JVM serves: three registry pods starting together on a
   * busy 2-core node took over 20 s, and the liveness probe alone (3 x 10 s from the start) then
   * killed them before they could answer, over and over. Up to 2 minutes to start.
   */
  static Probe startupProbe() {
    return new ProbeBuilder()
        .withNewHttpGet().withPath("/livez").withPort(new IntOrString("debug"))
          .withScheme("HTTP").endHttpGet()
        .withPeriodSeconds(2)
        .withFailureThreshold(60)
        .build();
  }

  private static Probe probe(String path, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet().withPath(path).withPort(new IntOrString("debug"))
          .withScheme("HTTP").endHttpGet()
        .withPeriodSeconds(10)
        .withFailureThreshold(failureThreshold)
        .build();
  }

  /** S3 credentials and the Azure account key go in as secretKeyRef env vars: never into the ConfigMap. */
  static List<EnvVar> env(SecureRegistry r) {
    var env = new ArrayList<EnvVar>();
    StorageSpec storage = r.getSpec().effectiveStorage();
    if (storage.kind() == StorageSpec.Kind.S3 && storage.s3.credentialsSecretRef != null) {
      var ref = storage.s3.credentialsSecretRef;
      env.add(secretEnv(S3_ACCESS_KEY_ENV, ref.name, ref.effectiveAccessKeyKey()));
      env.add(secretEnv(S3_SECRET_KEY_ENV, ref.name, ref.effectiveSecretKeyKey()));
    }
    if (storage.kind() == StorageSpec.Kind.Azure && storage.azure.accountKeySecretRef != null) {
      var ref = storage.azure.accountKeySecretRef;
      env.add(secretEnv(AZURE_ACCOUNT_KEY_ENV, ref.name, ref.effectiveKey()));
    }
    return env;
  }

  private static EnvVar secretEnv(String name, String secret, String key) {
    return new EnvVarBuilder().withName(name)
        .withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(key).endSecretKeyRef()
        .endValueFrom().build();
  }

  static List<VolumeMount> mounts(SecureRegistry r) {
    var spec = r.getSpec();
    var mounts = new ArrayList<VolumeMount>();
    mounts.add(mount("config", RegistryConfig.CONFIG_DIR));
    if (spec.effectiveTls().effectiveMode() != TlsSpec.Mode.Disabled) {
      mounts.add(mount("tls", RegistryConfig.TLS_DIR));
    }
    if (spec.effectiveAuth().effectiveMode() == AuthSpec.Mode.Htpasswd) {
      mounts.add(mount("auth", RegistryConfig.AUTH_DIR));
    }
    if (spec.effectiveAuth().externalToken() != null
        || spec.effectiveAuth().managedToken() != null) {
      mounts.add(mount("token", RegistryConfig.TOKEN_DIR));
    }
    if (extraClientCa(r) != null) {
      mounts.add(mount("client-ca", RegistryConfig.CLIENT_CA_DIR));
    }
    if (spec.effectiveStorage().kind() != StorageSpec.Kind.S3
        && spec.effectiveStorage().kind() != StorageSpec.Kind.Azure) {
      mounts.add(new VolumeMountBuilder().withName("data").withMountPath(RegistryConfig.DATA_DIR)
          .build());
    }
    mounts.addAll(ProxyModel.mounts(r));
    mounts.addAll(NotificationsModel.mounts(r));
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    return mounts;
  }

  private static VolumeMount mount(String name, String path) {
    return new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(true).build();
  }

  /** The user's extra client CA, in MutualTLS mode only. */
  static dev.portcullis.operator.api.AuthSpec.SecretKeyRef extraClientCa(SecureRegistry r) {
    var tls = r.getSpec().effectiveTls();
    return tls.effectiveMode() == TlsSpec.Mode.MutualTLS ? tls.clientCaSecretRef : null;
  }

  static List<Volume> volumes(SecureRegistry r) {
    var spec = r.getSpec();
    var volumes = new ArrayList<Volume>();
    volumes.add(new VolumeBuilder().withName("config")
        .withNewConfigMap().withName(Names.configMap(r)).endConfigMap().build());
    if (spec.effectiveTls().effectiveMode() != TlsSpec.Mode.Disabled) {
      volumes.add(new VolumeBuilder().withName("tls")
          .withNewSecret().withSecretName(Names.tlsSecret(r)).endSecret().build());
    }
    if (spec.effectiveAuth().effectiveMode() == AuthSpec.Mode.Htpasswd) {
      volumes.add(new VolumeBuilder().withName("auth")
          .withNewSecret().withSecretName(HtpasswdSecretModel.mountedSecretName(r)).endSecret()
          .build());
    }
    if (extraClientCa(r) != null) {
      volumes.add(new VolumeBuilder().withName("client-ca")
          .withNewSecret().withSecretName(extraClientCa(r).name).endSecret().build());
    }
    if (spec.effectiveAuth().managedToken() != null) {
      // only the CA that signs the signing certificates: the signing key stays with the issuer
      volumes.add(new VolumeBuilder().withName("token")
          .withNewSecret().withSecretName(Names.tokenSigning(r))
            .addNewItem().withKey("ca.crt").withPath("ca.crt").endItem()
          .endSecret().build());
    }
    var external = spec.effectiveAuth().externalToken();
    if (external != null) {
      volumes.add(new VolumeBuilder().withName("token")
          .withNewSecret().withSecretName(external.rootCertBundleSecretRef.name).endSecret()
          .build());
    }
    StorageSpec storage = spec.effectiveStorage();
    switch (storage.kind()) {
      case PersistentVolumeClaim -> volumes.add(new VolumeBuilder().withName("data")
          .withNewPersistentVolumeClaim().withClaimName(Names.pvc(r)).endPersistentVolumeClaim()
          .build());
      case EmptyDir -> volumes.add(new VolumeBuilder().withName("data")
          .withNewEmptyDir()
            .withSizeLimit(storage.emptyDir.sizeLimit == null ? null
                : new Quantity(storage.emptyDir.sizeLimit))
          .endEmptyDir().build());
      case S3, Azure -> { }
    }
    volumes.addAll(ProxyModel.volumes(r));
    volumes.addAll(NotificationsModel.volumes(r));
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir()
        .withSizeLimit(ProxyModel.tempSizeLimit(r)).endEmptyDir().build());
    return volumes;
  }
}
