package dev.portcullis.operator.testsupport;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.SecureRegistrySpec;
import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.api.TokenLdapSpec;
import dev.portcullis.operator.api.TokenProgramsSpec;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Builders for the SecureRegistries and Secrets the tests apply. */
public final class Registries {
  private Registries() {}

  /** TLS (bootstrap CA), no auth (said explicitly: mode None), a 1Gi ReadWriteOnce claim. */
  public static SecureRegistry basic(String namespace, String name) {
    var r = new SecureRegistry();
    r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    var spec = new SecureRegistrySpec();
    spec.auth = new AuthSpec();
    spec.auth.mode = AuthSpec.Mode.None;
    spec.storage = new StorageSpec();
    spec.storage.persistentVolumeClaim = new StorageSpec.PersistentVolumeClaim();
    spec.storage.persistentVolumeClaim.size = "1Gi";
    r.setSpec(spec);
    return r;
  }

  /** As {@link #basic}, storing in an S3 bucket with the keys of Secret {@code credentials}. */
  public static SecureRegistry s3(String namespace, String name, String credentials) {
    var r = basic(namespace, name);
    r.getSpec().storage = new StorageSpec();
    r.getSpec().storage.s3 = new StorageSpec.S3();
    r.getSpec().storage.s3.bucket = "images";
    r.getSpec().storage.s3.region = "eu-west-1";
    r.getSpec().storage.s3.credentialsSecretRef = new StorageSpec.S3Credentials();
    r.getSpec().storage.s3.credentialsSecretRef.name = credentials;
    return r;
  }

  /**
   * As {@link #basic}, with a managed token issuer that checks passwords against LDAP over TLS
   * (ldap.example.com:636, the image's trust store, anonymous search).
   */
  public static SecureRegistry managedLdap(String namespace, String name) {
    var r = basic(namespace, name);
    r.getSpec().auth = new AuthSpec();
    r.getSpec().auth.mode = AuthSpec.Mode.Token;
    r.getSpec().auth.token = new AuthSpec.Token();
    r.getSpec().auth.token.managed = new AuthSpec.Managed();
    var ldap = new TokenLdapSpec();
    ldap.addr = "ldap.example.com:636";
    ldap.tls = TokenLdapSpec.Tls.Always;
    ldap.base = "dc=example,dc=com";
    ldap.filter = "(uid=${account})";
    r.getSpec().auth.token.managed.ldap = ldap;
    return r;
  }

  /**
   * As {@link #managedLdap}, trusting key {@code bundle.pem} of ConfigMap {@code ca}, and running
   * programs from ConfigMap {@code programs}.
   */
  public static SecureRegistry ldapCaConfigMapAndPrograms(String namespace, String name,
      String ca, String programs) {
    var r = managedLdap(namespace, name);
    var ldap = r.getSpec().auth.token.managed.ldap;
    ldap.caConfigMapRef = new ConfigMapKeySelector("bundle.pem", ca, null);
    r.getSpec().auth.token.managed.programs = new TokenProgramsSpec();
    r.getSpec().auth.token.managed.programs.configMapName = programs;
    return r;
  }

  public static SecureRegistry htpasswd(String namespace, String name, String... users) {
    var r = basic(namespace, name);
    r.getSpec().auth = new AuthSpec();
    r.getSpec().auth.mode = AuthSpec.Mode.Htpasswd;
    r.getSpec().auth.htpasswd = new AuthSpec.Htpasswd();
    var list = new ArrayList<AuthSpec.User>();
    for (String u : users) {
      var user = new AuthSpec.User();
      user.username = u;
      user.passwordSecretRef = new SecretKeySelector("password", u + "-password", null);
      list.add(user);
    }
    r.getSpec().auth.htpasswd.users = list;
    return r;
  }

  /** An upstream of spec.proxy, anonymous, with the default TTLs. */
  public static dev.portcullis.operator.api.ProxyUpstreamSpec upstream(String name, String url) {
    var u = new dev.portcullis.operator.api.ProxyUpstreamSpec();
    u.name = name;
    u.url = url;
    return u;
  }

  public static SecureRegistry tls(SecureRegistry r, TlsSpec.Mode mode) {
    r.getSpec().tls = new TlsSpec();
    r.getSpec().tls.mode = mode;
    return r;
  }

  public static Secret secret(String namespace, String name, Map<String, String> values) {
    var data = new java.util.LinkedHashMap<String, String>();
    values.forEach((k, v) -> data.put(k,
        Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build())
        .withData(data).build();
  }

  public static Secret password(String namespace, String user, String password) {
    return secret(namespace, user + "-password", Map.of("password", password));
  }

  public static String decode(Secret s, String key) {
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
  }

  public static List<String> lines(String text) {
    return List.of(text.split("\n"));
  }
}
