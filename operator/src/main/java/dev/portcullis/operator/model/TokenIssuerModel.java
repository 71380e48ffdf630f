package dev.portcullis.operator.model;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The managed token issuer: Portcullis' {@code auth-server} (same image) with a TLS certificate
 * and a signing certificate from cert-manager, the users' bcrypt lines (the htpasswd Secret the
 * operator already builds; {@code users_file} reads htpasswd lines) and the ACL from the spec.
 * Tokens carry their {@code x5c} chain and the registry trusts the registry's own token CA
 * ({@link TokenSigningCa}), so a renewed signing key leaves tokens already issued valid until
 * they expire.
 */
public final class TokenIssuerModel {

  public static final int PORT = 5001;
  public static final String CONFIG_DIR = "/etc/portcullis/auth-server";
  public static final String TLS_DIR = "/etc/portcullis/auth-server-tls";
  public static final String SIGNING_DIR = "/etc/portcullis/token-signing";
  public static final String USERS_DIR = "/etc/portcullis/auth-server-users";

  private TokenIssuerModel() {}

  public static String issuer(SecureRegistry r) {
    return "portcullis:" + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
  }

  public static String service(SecureRegistry r) {
    return Names.service(r) + "." + r.getMetadata().getNamespace() + ".svc";
  }

  public static String realm(SecureRegistry r) {
    var m = r.getSpec().effectiveAuth().managedToken();
    if (m != null && m.realm != null) {
      return m.realm;
    }
    String exposed = r.getSpec().expose == null ? null : r.getSpec().expose.tokenHost();
    if (exposed != null) {
      // the Ingress or route on 443 in front of the issuer (ExposeModel)
      return "https://" + exposed + "/auth";
    }
    return "https://" + Names.authServer(r) + "." + r.getMetadata().getNamespace() + ".svc:"
        + PORT + "/auth";
  }

  static long lifetimeSeconds(SecureRegistry r) {
    try {
      return GoDuration.parse(r.getSpec().effectiveAuth().managedToken().effectiveTokenLifetime())
          .getDuration().getSeconds();
    } catch (IllegalArgumentException e) {
      return 900;
    }
  }

  /** The longest lifetime the registry accepts: 1h, or the spec's token lifetime if longer. */
  static String maxLifetime(SecureRegistry r) {
    return lifetimeSeconds(r) > 3600
        ? r.getSpec().effectiveAuth().managedToken().effectiveTokenLifetime()
        : TokenSigningCa.MAX_TOKEN_LIFETIME;
  }

  /** The registry's {@code auth.token} for the managed issuer. */
  static Map<String, Object> registryTokenConfig(SecureRegistry r) {
    var m = new LinkedHashMap<String, Object>();
    m.put("realm", realm(r));
    m.put("service", service(r));
    m.put("issuer", issuer(r));
    // the token CA (ca.crt of the signing Secret), which issues the signing certificate only
    m.put("rootcertbundle", RegistryConfig.TOKEN_DIR + "/ca.crt");
    // the registry's own checks on top: only that certificate may sign, tokens live briefly
    m.put("signers", List.of(Names.tokenSigner(r)));
    m.put("maxlifetime", maxLifetime(r));
    return m;
  }

  /** auth-server's config.yml (docker_auth's format). */
  public static String configYaml(SecureRegistry r) {
    AuthSpec.Managed m = r.getSpec().effectiveAuth().managedToken();
    var root = new LinkedHashMap<String, Object>();
    root.put("server", map("addr", ":" + PORT, "certificate", TLS_DIR + "/tls.crt",
        "key", TLS_DIR + "/tls.key"));
    root.put("token", map("issuer", issuer(r), "service", service(r),
        "expiration", lifetimeSeconds(r), "certificate", SIGNING_DIR + "/tls.crt",
        "key", SIGNING_DIR + "/tls.key", "x5c", true));
    root.put("users_file", USERS_DIR + "/" + RegistryConfig.HTPASSWD_KEY);
    var acl = new ArrayList<Map<String, Object>>();
    if (r.getSpec().pullSecrets != null) {
      // the pull secrets' robot: first, so no later rule of the user's can widen it
      acl.add(map("match", map("account", PullRobot.USERNAME), "actions", List.of("pull")));
    }
    if (m.acl != null) {
      for (AuthSpec.AclEntry e : m.acl) {
        var match = new LinkedHashMap<String, Object>();
        if (e.match != null) {
          if (e.match.account != null) {
            match.put("account", e.match.account);
          }
          if (e.match.name != null) {
            match.put("name", e.match.name);
          }
          if (e.match.type != null) {
            match.put("type", e.match.type);
          }
          if (e.match.labels != null && !e.match.labels.isEmpty()) {
            match.put("labels", e.match.labels);
          }
        }
        acl.add(map("match", match, "actions", e.actions == null ? List.of() : e.actions));
      }
    }
    root.put("acl", acl);
    if (m.kubernetes != null && Boolean.TRUE.equals(m.kubernetes.enabled)) {
      root.put("kubernetes", map("enabled", true,
          "audiences", m.kubernetes.audiences == null ? List.of() : m.kubernetes.audiences,
          "namespaces", m.kubernetes.namespaces == null ? List.of() : m.kubernetes.namespaces));
    }
    root.putAll(TokenBackendsModel.issuerSections(r));
    var options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    return new Yaml(options).dump(root);
  }

  public static ConfigMap configMap(SecureRegistry r) {
    return new ConfigMapBuilder()
        .withMetadata(meta(r, Names.authServerConfig(r)))
        .withData(Map.of("config.yml", configYaml(r)))
        .build();
  }

  /**
   * The issuer's TLS certificate (from the registry's issuer, like the registry's own), the token
   * CA and the signing certificate it issues (see {@link TokenSigningCa}).
   */
  public static List<Certificate> certificates(SecureRegistry r) {
    String ns = r.getMetadata().getNamespace();
    String svc = Names.authServer(r);
    var dnsNames = new ArrayList<>(List.of(svc, svc + "." + ns, svc + "." + ns + ".svc",
        svc + "." + ns + ".svc.cluster.local"));
    var m = r.getSpec().effectiveAuth().managedToken();
    if (m != null) {
      // clients reach the issuer by the realm's host (the user's, or expose's tokenHost): it must
      // be in the certificate
      String host = java.net.URI.create(realm(r)).getHost();
      if (host != null && !dnsNames.contains(host)) {
        dnsNames.add(host);
      }
    }
    var tls = r.getSpec().effectiveTls();
    String issuerName = tls.issuerRef == null ? Names.CA_ISSUER : tls.issuerRef.name;
    String kind = tls.issuerRef == null ? "Issuer" : tls.issuerRef.effectiveKind();
    String group = tls.issuerRef == null ? CertificateModel.CERT_MANAGER_GROUP
        : tls.issuerRef.effectiveGroup();
    var serverTls = new CertificateBuilder()
        .withMetadata(Meta.of(r, Names.authServerTls(r)))
        .withNewSpec()
          .withSecretName(Names.authServerTls(r))
          .withDnsNames(dnsNames)
          .withUsages(CertificateModel.SERVER_USAGES)
          .withNewPrivateKey().withAlgorithm("ECDSA").withSize(256).withRotationPolicy("Always")
            .withEncoding("PKCS8").endPrivateKey()
          .withNewIssuerRef().withName(issuerName).withKind(kind).withGroup(group).endIssuerRef()
          .withNewSecretTemplate().withLabels(Names.labels(r)).endSecretTemplate()
        .endSpec()
        .build();
    return List.of(serverTls, TokenSigningCa.caCertificate(r),
        TokenSigningCa.signingCertificate(r));
  }

  public static Service service(SecureRegistry r, boolean unused) {
    return new ServiceBuilder()
        .withMetadata(meta(r, Names.authServer(r)))
        .withNewSpec()
          .withSelector(Names.authServerLabels(r))
          .addNewPort().withName("https").withPort(PORT).withTargetPort(new IntOrString(PORT))
            .withProtocol("TCP").endPort()
        .endSpec()
        .build();
  }

  /** Pod template annotation naming the signing certificate the issuer's pods were started with. */
  public static final String SIGNER_ANNOTATION = "portcullis.dev/token-signer";

  /**
   * The signing certificate's identity for {@link #SIGNER_ANNOTATION}: the SHA-256 of its
   * {@code tls.crt} (public), or null while cert-manager has not written it.
   */
  public static String signerFingerprint(io.fabric8.kubernetes.api.model.Secret signing) {
    return TokenSigningCa.fingerprint(signing, "tls.crt");
  }

  public static Deployment deployment(SecureRegistry r) {
    return deployment(r, null);
  }

  /**
   * The issuer's Deployment. {@code signer} ({@link #signerFingerprint}) goes on the pod template,
   * so a renewal also rolls its pods, new ones up before old ones go: the issuer re-reads its
   * signing key every {@code server.reload_interval} by itself, and the roll bounds how long a pod
   * whose mount lags (the kubelet's sync period) signs with the old key. Tokens the old key signed
   * keep verifying meanwhile: the old certificate chains to the same token CA and stays valid long
   * after cert-manager renews it.
   */
  public static Deployment deployment(SecureRegistry r, String signer) {
    Deployment d = deploymentWithoutBackends(r, signer);
    var pod = d.getSpec().getTemplate().getSpec();
    pod.getVolumes().addAll(TokenBackendsModel.volumes(r));
    pod.getContainers().get(0).getVolumeMounts().addAll(TokenBackendsModel.mounts(r));
    pod.getVolumes().addAll(TokenLoginsModel.volumes(r));
    pod.getContainers().get(0).getVolumeMounts().addAll(TokenLoginsModel.mounts(r));
    return d;
  }

  private static Deployment deploymentWithoutBackends(SecureRegistry r, String signer) {
    var labels = Names.authServerLabels(r);
    var annotations = new LinkedHashMap<String, String>();
    annotations.put(DeploymentModel.CONFIG_HASH_ANNOTATION,
        Integer.toHexString(configYaml(r).hashCode()));
    if (signer != null) {
      annotations.put(SIGNER_ANNOTATION, signer);
    }
    return new DeploymentBuilder()
        .withMetadata(meta(r, Names.authServer(r)))
        .withNewSpec()
          .withReplicas(r.getSpec().effectiveReplicas() > 1 && !TokenLoginsModel.needsSingleIssuer(r) ? 2 : 1)
          .withNewSelector().withMatchLabels(labels).endSelector()
          .withNewTemplate()
            .withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
            .withNewSpec()
              // the issuer calls the API only for TokenReviews (kubernetes login)
              .withAutomountServiceAccountToken(loginWithServiceAccounts(r))
              .withServiceAccountName(loginWithServiceAccounts(r) ? Names.authServer(r) : null)
              .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(DeploymentModel.UID)
                .withRunAsGroup(DeploymentModel.UID).withFsGroup(DeploymentModel.UID)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
              .endSecurityContext()
              .addNewContainer()
                .withName("auth-server")
                .withImage(RegistryImage.imageFor(r))
                .withArgs("auth-server", CONFIG_DIR + "/config.yml")
                .withTerminationMessagePolicy(DeploymentModel.TERMINATION_MESSAGE_POLICY)
                .addNewPort().withName("https").withContainerPort(PORT).withProtocol("TCP")
                .endPort()
                .withNewReadinessProbe().withNewHttpGet().withPath("/healthz")
                  .withPort(new IntOrString(PORT)).withScheme("HTTPS").endHttpGet()
                .endReadinessProbe()
                .withNewSecurityContext().withRunAsNonRoot(true)
                  .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                  .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount().withName("config").withMountPath(CONFIG_DIR)
                  .withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("tls").withMountPath(TLS_DIR).withReadOnly(true)
                .endVolumeMount()
                .addNewVolumeMount().withName("signing").withMountPath(SIGNING_DIR)
                  .withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("users").withMountPath(USERS_DIR)
                  .withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
              .endContainer()
              .addNewVolume().withName("config").withNewConfigMap()
                .withName(Names.authServerConfig(r)).endConfigMap().endVolume()
              .addNewVolume().withName("tls").withNewSecret()
                .withSecretName(Names.authServerTls(r)).endSecret().endVolume()
              .addNewVolume().withName("signing").withNewSecret()
                .withSecretName(Names.tokenSigning(r)).endSecret().endVolume()
              .addNewVolume().withName("users").withNewSecret()
                .withSecretName(Names.htpasswdSecret(r)).endSecret().endVolume()
              .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
              .withImagePullSecrets(r.getSpec().imagePullSecrets)
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * The issuer's own ServiceAccount (kubernetes login): bind it to {@code system:auth-delegator}
   * (a ClusterRoleBinding, the cluster admin's) so that its TokenReviews are allowed.
   */
  public static io.fabric8.kubernetes.api.model.ServiceAccount serviceAccount(SecureRegistry r) {
    return new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
        .withMetadata(meta(r, Names.authServer(r)))
        .build();
  }

  public static boolean loginWithServiceAccounts(SecureRegistry r) {
    var m = r.getSpec().effectiveAuth().managedToken();
    return m != null && m.kubernetes != null && Boolean.TRUE.equals(m.kubernetes.enabled);
  }

  private static io.fabric8.kubernetes.api.model.ObjectMeta meta(SecureRegistry r, String name) {
    return new ObjectMetaBuilder().withName(name).withNamespace(r.getMetadata().getNamespace())
        .withLabels(Names.authServerLabels(r)).build();
  }

  private static Map<String, Object> map(Object... kv) {
    var m = new LinkedHashMap<String, Object>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
