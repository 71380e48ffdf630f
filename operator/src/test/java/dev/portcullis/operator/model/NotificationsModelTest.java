package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.NotificationEndpointSpec;
import dev.portcullis.operator.api.NotificationsSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class NotificationsModelTest {

  static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  static final String SIGNING_KEY = "0123456789abcdef0123456789abcdef";

  /** ci: every Secret-backed option over https; scanner: plain http, allowed, inline header only. */
  static SecureRegistry notifying() {
    var r = Registries.basic("infra", "hooks");
    var ci = new NotificationEndpointSpec();
    ci.name = "ci";
    ci.url = "https://hooks.example.com/registry";
    var team = new NotificationEndpointSpec.Header();
    team.name = "X-Team";
    team.value = "builds";
    ci.headers = List.of(team);
    var authz = new NotificationEndpointSpec.HeaderFrom();
    authz.name = "Authorization";
    authz.secretKeyRef = key("hook-token", "authorization");
    ci.headersFrom = List.of(authz);
    ci.signingSecretRef = key("hook-signing", "secret");
    ci.caSecretRef = new AuthSpec.SecretKeyRef();
    ci.caSecretRef.name = "hook-ca";
    ci.clientCertificateSecretRef = new NotificationEndpointSpec.ClientCertificateRef();
    ci.clientCertificateSecretRef.name = "hook-client";
    ci.timeout = "2s";
    ci.threshold = 5;
    ci.backoff = "500ms";
    ci.backlog = 5000;
    ci.format = NotificationEndpointSpec.Format.cloudevents;
    ci.ignore = new NotificationEndpointSpec.Ignore();
    ci.ignore.mediaTypes = List.of("application/octet-stream");
    ci.ignore.actions = List.of(NotificationEndpointSpec.Action.pull);
    var scanner = new NotificationEndpointSpec();
    scanner.name = "scanner";
    scanner.url = "http://scanner.security.svc:8080/events";
    scanner.insecure = true;
    r.getSpec().notifications = new NotificationsSpec();
    r.getSpec().notifications.endpoints = List.of(ci, scanner);
    r.getSpec().notifications.includeReferences = true;
    return r;
  }

  static NotificationEndpointSpec.SecretKey key(String name, String key) {
    var ref = new NotificationEndpointSpec.SecretKey();
    ref.name = name;
    ref.key = key;
    return ref;
  }

  static Map<String, Secret> secrets() {
    var s = new HashMap<String, Secret>();
    s.put("hook-token", Registries.secret("infra", "hook-token",
        Map.of("authorization", "Bearer s3cr3t-token")));
    s.put("hook-signing", Registries.secret("infra", "hook-signing", Map.of("secret", SIGNING_KEY)));
    s.put("hook-ca", Registries.secret("infra", "hook-ca", Map.of("ca.crt", CA)));
    s.put("hook-client", Registries.secret("infra", "hook-client",
        Map.of("tls.crt", CA, "tls.key", "-----BEGIN PRIVATE KEY-----\nMC4\n-----END PRIVATE KEY-----\n")));
    return s;
  }

  @Test
  @SuppressWarnings("unchecked")
  void configNamesMountedFilesAndNeverASecretValue() {
    var r = notifying();
    String yaml = RegistryConfig.yaml(r);
    Map<String, Object> root = new Yaml().load(yaml);
    var notifications = (Map<String, Object>) root.get("notifications");
    assertThat(notifications.get("events")).isEqualTo(Map.of("includereferences", true));
    var endpoints = (List<Map<String, Object>>) notifications.get("endpoints");
    assertThat(endpoints.get(0)).containsExactly(
        Map.entry("name", "ci"),
        Map.entry("url", "https://hooks.example.com/registry"),
        Map.entry("headers", Map.of("X-Team", List.of("builds"))),
        Map.entry("headerfiles", Map.of("Authorization", "/etc/portcullis/notifications/0/header-0")),
        Map.entry("timeout", "2s"),
        Map.entry("threshold", 5),
        Map.entry("backoff", "500ms"),
        Map.entry("ignore", Map.of("mediatypes", List.of("application/octet-stream"),
            "actions", List.of("pull"))),
        Map.entry("disabled", false),
        Map.entry("backlog", 5000),
        Map.entry("format", "cloudevents"),
        Map.entry("signingsecretfile", "/etc/portcullis/notifications/0/signing-secret"),
        Map.entry("tls", Map.of("ca", "/etc/portcullis/notifications/0/ca.crt",
            "certificate", "/etc/portcullis/notifications/0/tls.crt",
            "key", "/etc/portcullis/notifications/0/tls.key")));
    // the registry's own defaults apply to what the spec leaves unset
    assertThat(endpoints.get(1)).containsExactly(
        Map.entry("name", "scanner"),
        Map.entry("url", "http://scanner.security.svc:8080/events"),
        Map.entry("disabled", false));
    assertThat(yaml).doesNotContain("s3cr3t").doesNotContain(SIGNING_KEY).doesNotContain("insecure");
    assertThat(RegistryConfig.yaml(Registries.basic("infra", "plain"))).doesNotContain("notifications");
  }

  @Test
  void eachEndpointsSecretsAreProjectedReadOnlyIntoItsFolder() {
    var pod = DeploymentModel.desired(notifying()).getSpec().getTemplate().getSpec();
    var volume = pod.getVolumes().stream().filter(v -> v.getName().equals("notifications-0"))
        .findFirst().orElseThrow();
    assertThat(volume.getProjected().getDefaultMode()).isEqualTo(0440);
    assertThat(volume.getProjected().getSources()).extracting(s -> s.getSecret().getName() + ":"
            + s.getSecret().getItems().get(0).getKey() + "->" + s.getSecret().getItems().get(0).getPath())
        .containsExactly("hook-token:authorization->header-0", "hook-signing:secret->signing-secret",
            "hook-ca:ca.crt->ca.crt", "hook-client:tls.crt->tls.crt", "hook-client:tls.key->tls.key");
    // the http endpoint reads no Secret: no volume, no mount
    assertThat(pod.getVolumes()).noneMatch(v -> v.getName().equals("notifications-1"));
    assertThat(pod.getContainers().get(0).getVolumeMounts())
        .filteredOn(m -> m.getName().startsWith("notifications-"))
        .extracting(m -> m.getName() + "@" + m.getMountPath() + ":" + m.getReadOnly())
        .containsExactly("notifications-0@/etc/portcullis/notifications/0:true");
    assertThat(pod.getContainers().get(0).getEnv()).isEmpty();
    assertThat(NotificationsModel.secretNames(notifying()))
        .containsExactly("hook-token", "hook-signing", "hook-ca", "hook-client");
    assertThat(SecretInputs.referencedSecretNames(notifying()))
        .contains("hook-token", "hook-signing", "hook-ca", "hook-client");
  }

  @Test
  void theFingerprintFollowsTheMountedValuesSoAChangeRollsThePods() {
    var r = notifying();
    var secrets = secrets();
    byte[] key = FingerprintKey.generate();
    var keys = MountedSecretsFingerprint.keys(r);
    String before = MountedSecretsFingerprint.of(keys, key, secrets::get);
    assertThat(before).hasSize(32).isEqualTo(MountedSecretsFingerprint.of(keys, key, secrets::get));
    secrets.put("hook-token", Registries.secret("infra", "hook-token",
        Map.of("authorization", "Bearer rotated")));
    assertThat(MountedSecretsFingerprint.of(keys, key, secrets::get)).isNotEqualTo(before)
        .doesNotContain("rotated");
    assertThat(MountedSecretsFingerprint.of(
        MountedSecretsFingerprint.keys(Registries.basic("infra", "plain")), key, secrets::get))
        .isNull();
  }

  @Test
  void aMissingSecretOrKeyOrAWeakSigningKeyIsNamedWithTheEndpointField() {
    var r = notifying();
    var secrets = secrets();
    assertThat(NotificationsModel.secretProblems(r, secrets::get)).isEmpty();
    secrets.remove("hook-token");
    secrets.put("hook-signing", Registries.secret("infra", "hook-signing", Map.of("secret", "short")));
    secrets.put("hook-ca", Registries.secret("infra", "hook-ca", Map.of("other", CA)));
    var problems = SecretInputs.referenceProblems(r, secrets::get);
    assertThat(problems).extracting(Problem::reason, Problem::message).contains(
        org.assertj.core.groups.Tuple.tuple("SecretNotFound", "Secret hook-token not found"
            + " (spec.notifications.endpoints[ci].headersFrom[Authorization])"),
        org.assertj.core.groups.Tuple.tuple("InvalidSecret", "Secret hook-signing key secret holds"
            + " fewer than 16 bytes: a signing key needs at least 16 (e.g. openssl rand -hex 32)"
            + " (spec.notifications.endpoints[ci].signingSecretRef)"),
        org.assertj.core.groups.Tuple.tuple("SecretKeyNotFound", "Secret hook-ca has no key ca.crt"
            + " (spec.notifications.endpoints[ci].caSecretRef)"));
    assertThat(problems.toString()).doesNotContain("short");
  }

  @Test
  void whatTheSchemaRefusesTheOperatorRefusesWithAnActionableMessage() {
    var r = notifying();
    assertThat(NotificationsModel.specProblems(r)).isEmpty();
    var scanner = r.getSpec().notifications.endpoints.get(1);
    scanner.insecure = null;
    scanner.caSecretRef = new AuthSpec.SecretKeyRef();
    scanner.caSecretRef.name = "ca";
    var dup = new NotificationEndpointSpec.Header();
    dup.name = "authorization";
    dup.value = "inline";
    var ci = r.getSpec().notifications.endpoints.get(0);
    ci.headers = List.of(dup);
    ci.backoff = "soon";
    assertThat(NotificationsModel.specProblems(r)).extracting(Problem::message).containsExactly(
        "spec.notifications.endpoints[ci]: header Authorization is named in both headers and"
            + " headersFrom",
        "spec.notifications.endpoints[ci].backoff 'soon' is not a Go duration (e.g. 1s, 500ms)",
        "spec.notifications.endpoints[scanner].url is http: use an https URL, or set insecure:"
            + " true to send events (and header values) unencrypted",
        "spec.notifications.endpoints[scanner]: caSecretRef and clientCertificateSecretRef need an"
            + " https url");
    assertThat(SpecCheck.check(r)).extracting(Problem::reason).contains("InvalidNotifications");
  }
}
