package dev.portcullis.operator.model;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.AzureStorageSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.StorageSpec;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The user's Secrets a SecureRegistry reads: password Secrets, an existing htpasswd Secret, S3
 * credentials. Resolves them through a lookup (the informer cache in production, a map in tests)
 * and turns anything missing into a {@link Problem} naming the Secret and key.
 */
public final class SecretInputs {

  private SecretInputs() {}

  /** Names of all Secrets the registry reads, so that a change to any of them triggers a reconcile. */
  public static Set<String> referencedSecretNames(SecureRegistry r) {
    var names = new LinkedHashSet<String>();
    var auth = r.getSpec().effectiveAuth();
    if (auth.htpasswd != null) {
      if (auth.htpasswd.users != null) {
        for (AuthSpec.User u : auth.htpasswd.users) {
          if (u.passwordSecretRef != null && u.passwordSecretRef.getName() != null) {
            names.add(u.passwordSecretRef.getName());
          }
        }
      }
      if (auth.htpasswd.existingSecretRef != null) {
        names.add(auth.htpasswd.existingSecretRef.name);
      }
    }
    StorageSpec.S3 s3 = r.getSpec().effectiveStorage().s3;
    if (s3 != null && s3.credentialsSecretRef != null) {
      names.add(s3.credentialsSecretRef.name);
    }
    AzureStorageSpec azure = r.getSpec().effectiveStorage().azure;
    if (azure != null && azure.accountKeySecretRef != null) {
      names.add(azure.accountKeySecretRef.name);
    }
    var external = auth.externalToken();
    if (external != null && external.rootCertBundleSecretRef != null) {
      names.add(external.rootCertBundleSecretRef.name);
    }
    var extraCa = r.getSpec().effectiveTls().clientCaSecretRef;
    if (extraCa != null) {
      names.add(extraCa.name);
    }
    var managed = auth.managedToken();
    if (managed != null && managed.users != null) {
      for (AuthSpec.User u : managed.users) {
        if (u.passwordSecretRef != null && u.passwordSecretRef.getName() != null) {
          names.add(u.passwordSecretRef.getName());
        }
      }
    }
    names.addAll(TokenBackendsModel.secretNames(r));
    names.addAll(ProxyModel.secretNames(r));
    names.addAll(NotificationsModel.secretNames(r));
    return names;
  }

  /** The users' credentials, in spec order, or the problems that keep them from being read. */
  public record Credentials(List<Htpasswd.Credential> credentials, List<Problem> problems) {}

  public static Credentials credentials(SecureRegistry r, Function<String, Secret> lookup) {
    var creds = new ArrayList<Htpasswd.Credential>();
    var problems = new ArrayList<Problem>();
    var auth = r.getSpec().effectiveAuth();
    List<AuthSpec.User> users;
    if (auth.managedToken() != null) {
      users = auth.managedToken().users == null ? List.of() : auth.managedToken().users;
    } else if (auth.effectiveMode() != AuthSpec.Mode.Htpasswd || auth.htpasswd == null
        || auth.htpasswd.users == null) {
      return new Credentials(creds, problems);
    } else {
      users = auth.htpasswd.users;
    }
    for (AuthSpec.User u : users) {
      var ref = u.passwordSecretRef;
      String key = ref.getKey() == null ? "password" : ref.getKey();
      Secret secret = lookup.apply(ref.getName());
      if (secret == null) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "SecretNotFound",
            "Secret " + ref.getName() + " not found (password of user " + u.username + ")"));
        continue;
      }
      String password = value(secret, key);
      if (password == null || password.isEmpty()) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "SecretKeyNotFound",
            "Secret " + ref.getName() + " has no key " + key + " (password of user "
                + u.username + ")"));
        continue;
      }
      creds.add(new Htpasswd.Credential(u.username, password));
    }
    return new Credentials(creds, problems);
  }

  /** Problems with Secrets that are mounted or referenced as they are (not read into our objects). */
  public static List<Problem> referenceProblems(SecureRegistry r, Function<String, Secret> lookup) {
    var problems = new ArrayList<Problem>();
    var auth = r.getSpec().effectiveAuth();
    if (auth.effectiveMode() == AuthSpec.Mode.Htpasswd && auth.htpasswd != null
        && auth.htpasswd.existingSecretRef != null) {
      String name = auth.htpasswd.existingSecretRef.name;
      Secret s = lookup.apply(name);
      if (s == null) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "SecretNotFound",
            "Secret " + name + " not found (auth.htpasswd.existingSecretRef)"));
      } else if (value(s, RegistryConfig.HTPASSWD_KEY) == null) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "SecretKeyNotFound",
            "Secret " + name + " has no key " + RegistryConfig.HTPASSWD_KEY));
      }
    }
    var extraCa = r.getSpec().effectiveTls().clientCaSecretRef;
    if (extraCa != null
        && r.getSpec().effectiveTls().effectiveMode() == dev.portcullis.operator.api.TlsSpec.Mode.MutualTLS) {
      Secret s = lookup.apply(extraCa.name);
      String pem = s == null ? null : value(s, extraCa.effectiveKey());
      if (pem == null || !pem.contains("-----BEGIN CERTIFICATE-----")) {
        problems.add(new Problem(ConditionTypes.CERTIFICATES_READY,
            s == null ? "SecretNotFound" : "SecretKeyNotFound",
            "Secret " + extraCa.name + (s == null ? " not found" : " has no PEM certificate under key "
                + extraCa.effectiveKey()) + " (tls.clientCaSecretRef)"));
      }
    }
    var external = auth.externalToken();
    if (external != null && external.rootCertBundleSecretRef != null) {
      var ref = external.rootCertBundleSecretRef;
      Secret s = lookup.apply(ref.name);
      if (s == null) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "SecretNotFound",
            "Secret " + ref.name + " not found (auth.token.external.rootCertBundleSecretRef)"));
      } else if (value(s, ref.effectiveKey()) == null
          || !value(s, ref.effectiveKey()).contains("-----BEGIN CERTIFICATE-----")) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "SecretKeyNotFound",
            "Secret " + ref.name + " has no PEM certificate under key " + ref.effectiveKey()
                + " (auth.token.external.rootCertBundleSecretRef)"));
      } else if (sharesTlsCa(value(s, ref.effectiveKey()), lookup.apply(Names.tlsSecret(r)))) {
        // every certificate of that CA (the registry's own, clients', the nodes') could sign
        problems.add(new Problem(ConditionTypes.AUTH_READY, "TokenBundleTrustsTlsCa",
            "Secret " + ref.name + " (auth.token.external.rootCertBundleSecretRef) holds the CA"
                + " that issues this registry's TLS certificates, so any of them could sign"
                + " tokens: put the issuer's signing certificates there, or a CA that issues"
                + " nothing else"));
      }
    }
    problems.addAll(TokenBackendsModel.secretProblems(r, lookup));
    StorageSpec.S3 s3 = r.getSpec().effectiveStorage().s3;
    if (r.getSpec().effectiveStorage().kind() == StorageSpec.Kind.S3
        && s3.credentialsSecretRef != null) {
      var ref = s3.credentialsSecretRef;
      Secret s = lookup.apply(ref.name);
      if (s == null) {
        problems.add(new Problem(ConditionTypes.STORAGE_READY, "SecretNotFound",
            "Secret " + ref.name + " not found (storage.s3.credentialsSecretRef)"));
      } else {
        for (String key : List.of(ref.effectiveAccessKeyKey(), ref.effectiveSecretKeyKey())) {
          if (value(s, key) == null) {
            problems.add(new Problem(ConditionTypes.STORAGE_READY, "SecretKeyNotFound",
                "Secret " + ref.name + " has no key " + key + " (storage.s3.credentialsSecretRef)"));
          }
        }
      }
    }
    problems.addAll(AzureStorageModel.secretProblems(r, lookup));
    problems.addAll(ProxyModel.secretProblems(r, lookup));
    problems.addAll(NotificationsModel.secretProblems(r, lookup));
    return problems;
  }

  private static final java.util.regex.Pattern PEM_CERTIFICATE = java.util.regex.Pattern.compile(
      "-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----");

  /** Whether a token bundle holds a certificate of the TLS Secret's ca.crt (compared as DER). */
  static boolean sharesTlsCa(String bundle, Secret tls) {
    String ca = tls == null ? null : value(tls, "ca.crt");
    if (ca == null) {
      return false;
    }
    var tlsCas = certificates(ca);
    return certificates(bundle).stream().anyMatch(tlsCas::contains);
  }

  private static List<String> certificates(String pem) {
    var out = new ArrayList<String>();
    var m = PEM_CERTIFICATE.matcher(pem);
    while (m.find()) {
      out.add(m.group(1).replaceAll("\\s", ""));
    }
    return out;
  }

  /** A Secret value from data (base64) or stringData (what a user may have written). */
  static String value(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().get(key) != null) {
      return new String(Base64.getDecoder().decode(secret.getData().get(key)),
          StandardCharsets.UTF_8);
    }
    if (secret.getStringData() != null) {
      return secret.getStringData().get(key);
    }
    return null;
  }

  public static String htpasswdFileOf(Secret secret) {
    return secret == null ? null : value(secret, RegistryConfig.HTPASSWD_KEY);
  }
}
