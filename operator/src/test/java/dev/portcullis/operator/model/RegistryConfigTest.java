package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.testsupport.Registries;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** config.yml follows the registry image's contract key for key. */
class RegistryConfigTest {

  @Test
  void tlsHtpasswdFilesystemIsExactlyTheContract() {
    var r = Registries.htpasswd("apps", "calculus", "rackham");
    assertThat(RegistryConfig.yaml(r)).isEqualTo("""
        version: 0.1
        log:
          level: info
          formatter: json
          fields:
            service: registry
            registry: calculus
        storage:
          filesystem:
            rootdirectory: /var/lib/registry
          delete:
            enabled: true
        http:
          addr: :5000
          debug:
            addr: :5001
            prometheus:
              enabled: true
              path: /metrics
          tls:
            certificate: /etc/portcullis/tls/tls.crt
            key: /etc/portcullis/tls/tls.key
        auth:
          htpasswd:
            realm: calculus
            path: /etc/portcullis/auth/htpasswd
        health:
          storagedriver:
            enabled: true
            interval: 10s
            threshold: 3
        """);
  }

  @Test
  @SuppressWarnings("unchecked")
  void mutualTlsAddsClientCasAndKeepsTheOperatorsCertificatesToPulls() {
    var r = Registries.tls(Registries.basic("apps", "r"), TlsSpec.Mode.MutualTLS);
    Map<String, Object> http = (Map<String, Object>) parse(r).get("http");
    Map<String, Object> tls = (Map<String, Object>) http.get("tls");
    assertThat(tls.get("clientcas")).isEqualTo(java.util.List.of("/etc/portcullis/tls/ca.crt"));
    assertThat(tls.get("pullonly"))
        .isEqualTo(java.util.List.of("system:nodes", "portcullis-operator-probe"));
    assertThat(http).doesNotContainKey("insecure").containsEntry("addr", ":5000");
    assertThat(parse(r)).doesNotContainKey("auth").containsEntry("version", 0.1);
  }

  @Test
  @SuppressWarnings("unchecked")
  void disabledTlsWritesTheExplicitInsecureOptIn() {
    var r = Registries.tls(Registries.basic("apps", "r"), TlsSpec.Mode.Disabled);
    Map<String, Object> http = (Map<String, Object>) parse(r).get("http");
    assertThat(http).containsEntry("insecure", true).doesNotContainKey("tls");
  }

  @Test
  @SuppressWarnings("unchecked")
  void s3WritesDistributionKeysAndNoCredentials() {
    var r = Registries.basic("apps", "r");
    r.getSpec().storage = new StorageSpec();
    var s3 = new StorageSpec.S3();
    s3.bucket = "b";
    s3.region = "us-east-1";
    s3.endpoint = "http://minio:9000";
    s3.forcePathStyle = true;
    s3.rootDirectory = "/registry";
    s3.credentialsSecretRef = new StorageSpec.S3Credentials();
    s3.credentialsSecretRef.name = "creds";
    r.getSpec().storage.s3 = s3;
    Map<String, Object> storage = (Map<String, Object>) parse(r).get("storage");
    assertThat(storage.get("s3")).isEqualTo(Map.of("bucket", "b", "region", "us-east-1",
        "regionendpoint", "http://minio:9000", "forcepathstyle", true,
        "rootdirectory", "/registry"));
    assertThat(storage).doesNotContainKey("filesystem");
    assertThat(RegistryConfig.yaml(r)).doesNotContain("creds").doesNotContain("accesskey").doesNotContain("secretkey");
  }

  @Test
  @SuppressWarnings("unchecked")
  void s3RedirectsUnlessTurnedOff() {
    var r = Registries.basic("apps", "r");
    r.getSpec().storage = new StorageSpec();
    r.getSpec().storage.s3 = new StorageSpec.S3();
    r.getSpec().storage.s3.bucket = "b";
    r.getSpec().storage.s3.region = "us-east-1";
    assertThat((Map<String, Object>) parse(r).get("storage")).doesNotContainKey("redirect");
    r.getSpec().storage.s3.redirect = false;
    assertThat(((Map<String, Object>) parse(r).get("storage")).get("redirect"))
        .isEqualTo(Map.of("disable", true));
  }

  @Test
  void configHashFollowsTheConfigOnly() {
    var a = Registries.basic("apps", "r");
    var b = Registries.basic("apps", "r");
    b.getSpec().image = "example/registry:other"; // not in config.yml
    assertThat(ConfigMapModel.configHash(a)).isEqualTo(ConfigMapModel.configHash(b));
    b.getSpec().tls = new TlsSpec();
    b.getSpec().tls.mode = TlsSpec.Mode.MutualTLS;
    assertThat(ConfigMapModel.configHash(a)).isNotEqualTo(ConfigMapModel.configHash(b));
  }

  private static Map<String, Object> parse(dev.portcullis.operator.api.SecureRegistry r) {
    return new Yaml().load(RegistryConfig.yaml(r));
  }
}
