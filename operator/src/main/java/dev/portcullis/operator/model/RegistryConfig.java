package dev.portcullis.operator.model;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.HealthSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.api.TlsSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The registry's {@code config.yml} in CNCF Distribution's format, exactly the keys the Portcullis
 * registry image reads. Deterministic (insertion-ordered maps) because its hash rolls the pods.
 * Secrets never go in here: S3 credentials reach the pod as secretKeyRef env vars, an upstream's
 * credentials as mounted files the config names.
 */
public final class RegistryConfig {

  public static final String KEY = "config.yml";
  public static final String CONFIG_DIR = "/etc/portcullis/config";
  public static final String CONFIG_PATH = CONFIG_DIR + "/" + KEY;
  public static final String TLS_DIR = "/etc/portcullis/tls";
  public static final String AUTH_DIR = "/etc/portcullis/auth";
  public static final String HTPASSWD_KEY = "htpasswd";
  public static final String TOKEN_DIR = "/etc/portcullis/token";
  public static final String CLIENT_CA_DIR = "/etc/portcullis/client-ca";
  public static final String DATA_DIR = "/var/lib/registry";

  private RegistryConfig() {}

  public static String yaml(SecureRegistry r) {
    var options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    return new Yaml(options).dump(tree(r));
  }

  static Map<String, Object> tree(SecureRegistry r) {
    var spec = r.getSpec();
    String name = r.getMetadata().getName();
    var root = new LinkedHashMap<String, Object>();
    root.put("version", 0.1);
    root.put("log", map("level", "info", "formatter", "json",
        "fields", map("service", "registry", "registry", name)));
    root.put("storage", storage(spec.effectiveStorage()));
    root.put("http", http(spec.effectiveTls().effectiveMode()));
    var extraCa = spec.effectiveTls().clientCaSecretRef;
    if (extraCa != null && spec.effectiveTls().effectiveMode() == TlsSpec.Mode.MutualTLS) {
      @SuppressWarnings("unchecked")
      var tls = (Map<String, Object>) ((Map<String, Object>) root.get("http")).get("tls");
      tls.put("clientcas", List.of(TLS_DIR + "/ca.crt",
          CLIENT_CA_DIR + "/" + extraCa.effectiveKey()));
    }
    if (spec.effectiveAuth().effectiveMode() == AuthSpec.Mode.Htpasswd) {
      var htpasswd = map("realm", name, "path", AUTH_DIR + "/" + HTPASSWD_KEY);
      if (spec.pullSecrets != null) {
        // Portcullis' key: the robot of the pull secrets may pull, never push or delete
        htpasswd.put("pullonly", List.of(PullRobot.USERNAME));
      }
      root.put("auth", map("htpasswd", htpasswd));
    }
    if (spec.effectiveAuth().managedToken() != null) {
      root.put("auth", map("token", TokenIssuerModel.registryTokenConfig(r)));
    }
    var external = spec.effectiveAuth().externalToken();
    if (external != null) {
      root.put("auth", map("token", map(
          "realm", external.realm,
          "service", external.service,
          "issuer", external.issuer,
          "rootcertbundle", TOKEN_DIR + "/" + external.rootCertBundleSecretRef.effectiveKey())));
    }
    if (root.get("auth") instanceof Map<?, ?> authSection) {
      @SuppressWarnings("unchecked")
      var auth = (Map<String, Object>) authSection;
      ProxyModel.anonymousPull(r).ifPresent(a -> auth.put("anonymous", a));
    }
    ProxyModel.configSection(r).ifPresent(p -> root.put("proxy", p));
    NotificationsModel.configSection(r).ifPresent(n -> root.put("notifications", n));
    HealthSpec.StorageDriver health = spec.effectiveHealth().effectiveStorageDriver();
    root.put("health", map("storagedriver", map(
        "enabled", health.effectiveEnabled(),
        "interval", health.effectiveInterval(),
        "threshold", health.effectiveThreshold())));
    return root;
  }

  private static Map<String, Object> storage(StorageSpec storage) {
    var out = new LinkedHashMap<String, Object>();
    if (storage.kind() == StorageSpec.Kind.S3) {
      StorageSpec.S3 s3 = storage.s3;
      var s3Map = new LinkedHashMap<String, Object>();
      s3Map.put("bucket", s3.bucket);
      s3Map.put("region", s3.region);
      if (s3.endpoint != null) {
        s3Map.put("regionendpoint", s3.endpoint);
      }
      if (s3.forcePathStyle != null) {
        s3Map.put("forcepathstyle", s3.forcePathStyle);
      }
      if (s3.rootDirectory != null) {
        s3Map.put("rootdirectory", s3.rootDirectory);
      }
      out.put("s3", s3Map);
      if (Boolean.FALSE.equals(s3.redirect)) {
        out.put("redirect", map("disable", true));
      }
    } else if (storage.kind() == StorageSpec.Kind.Azure) {
      out.put("azure", AzureStorageModel.configSection(storage.azure));
      if (Boolean.FALSE.equals(storage.azure.redirect)) {
        out.put("redirect", map("disable", true));
      }
    } else {
      out.put("filesystem", map("rootdirectory", DATA_DIR));
    }
    out.put("delete", map("enabled", true));
    return out;
  }

  private static Map<String, Object> http(TlsSpec.Mode mode) {
    var http = new LinkedHashMap<String, Object>();
    http.put("addr", ":" + Names.REGISTRY_PORT);
    http.put("debug", map("addr", ":" + Names.DEBUG_PORT,
        "prometheus", map("enabled", true, "path", "/metrics")));
    if (mode == TlsSpec.Mode.Disabled) {
      // Portcullis' own key: plain HTTP off loopback is refused by the registry without it.
      http.put("insecure", true);
    } else {
      var tls = new LinkedHashMap<String, Object>();
      tls.put("certificate", TLS_DIR + "/tls.crt");
      tls.put("key", TLS_DIR + "/tls.key");
      if (mode == TlsSpec.Mode.MutualTLS) {
        tls.put("clientcas", List.of(TLS_DIR + "/ca.crt"));
        // Portcullis' key: the nodes' certificate is on every node, the probe's reads /readyz;
        // neither may push or delete
        tls.put("pullonly", List.of(CertificateModel.NODES_COMMON_NAME,
            CertificateModel.PROBE_COMMON_NAME));
      }
      http.put("tls", tls);
    }
    return http;
  }

  private static Map<String, Object> map(Object... keyValues) {
    var m = new LinkedHashMap<String, Object>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }
}
