package dev.portcullis.operator.model;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TokenFederationSpec;
import dev.portcullis.operator.api.TokenLdapSpec;
import dev.portcullis.operator.api.TokenMongoSpec;
import dev.portcullis.operator.api.TokenProgramsSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The managed issuer's LDAP, MongoDB, federation and external-program backends ({@code auth.token.managed.ldap,
 * mongo, federation, programs}): their sections of the issuer's config in docker_auth's key names
 * ({@code ldap_auth}, {@code mongo_auth}, {@code acl_mongo}, {@code ext_auth}, {@code ext_authz}) and Portcullis's
 * {@code oidc_federation}, {@code oidc_auth} and {@code google_auth} ({@link TokenLoginsModel}),
 * and the volumes that bring their files in. Passwords, connection strings and CAs reach the
 * issuer only as files of one projected volume ({@value #SECRETS_DIR}); the config names the
 * files, never their content. The users' programs come from their ConfigMap, mounted executable at
 * {@value TokenProgramsSpec#PROGRAMS_DIR}.
 */
public final class TokenBackendsModel {

  public static final String SECRETS_DIR = "/etc/portcullis/auth-server-backends";
  static final String LDAP_BIND_PASSWORD = "ldap-bind-password";
  static final String LDAP_CA = "ldap-ca.crt";
  static final String MONGO_PASSWORD = "mongo-password";
  static final String MONGO_URI = "mongo-uri";
  static final String SECRETS_VOLUME = "backend-secrets";
  static final String PROGRAMS_VOLUME = "programs";
  private static final int PROGRAM_MODE = 0555;

  private TokenBackendsModel() {}

  private static AuthSpec.Managed managed(SecureRegistry r) {
    return r.getSpec().effectiveAuth().managedToken();
  }

  /** The issuer's config sections for the backends the spec asks for, in docker_auth's keys. */
  public static Map<String, Object> issuerSections(SecureRegistry r) {
    var out = new LinkedHashMap<String, Object>();
    AuthSpec.Managed m = managed(r);
    if (m == null) {
      return out;
    }
    if (m.ldap != null) {
      out.put("ldap_auth", ldap(m.ldap));
    }
    if (m.mongo != null) {
      if (m.mongo.usersCollection != null) {
        out.put("mongo_auth", map("dial_info", dialInfo(m.mongo), "collection", m.mongo.usersCollection));
      }
      if (m.mongo.acl != null) {
        out.put("acl_mongo", map("dial_info", dialInfo(m.mongo),
            "collection", m.mongo.acl.effectiveCollection(), "cache_ttl", m.mongo.acl.effectiveCacheTtl()));
      }
    }
    if (m.federation != null) {
      out.put(TokenFederationModel.SECTION, TokenFederationModel.section(m.federation));
    }
    out.putAll(TokenLoginsModel.sections(r));
    if (m.programs != null) {
      if (m.programs.authenticate != null) {
        out.put("ext_auth", program(m.programs.authenticate));
      }
      if (m.programs.authorize != null) {
        out.put("ext_authz", program(m.programs.authorize));
      }
    }
    return out;
  }

  private static Map<String, Object> ldap(TokenLdapSpec l) {
    var s = new LinkedHashMap<String, Object>();
    s.put("addr", l.addr);
    s.put("tls", switch (l.effectiveTls()) {
      case None -> "none";
      case Always -> "always";
      case StartTLS -> "starttls";
    });
    if (l.caSecretRef != null || l.caConfigMapRef != null) {
      s.put("ca_certificate", SECRETS_DIR + "/" + LDAP_CA);
    }
    s.put("base", l.base);
    s.put("filter", l.filter);
    if (l.bindDN != null) {
      s.put("bind_dn", l.bindDN);
      s.put("bind_password_file", SECRETS_DIR + "/" + LDAP_BIND_PASSWORD);
    }
    if (l.labels != null && !l.labels.isEmpty()) {
      var labels = new LinkedHashMap<String, Object>();
      l.labels.forEach((name, label) -> labels.put(name,
          map("attribute", label.attribute, "parse_cn", Boolean.TRUE.equals(label.parseCN))));
      s.put("labels", labels);
    }
    return s;
  }

  private static Map<String, Object> dialInfo(TokenMongoSpec mongo) {
    var d = new LinkedHashMap<String, Object>();
    if (mongo.uriSecretRef != null) {
      d.put("uri_file", SECRETS_DIR + "/" + MONGO_URI);
    } else {
      d.put("addrs", mongo.addrs);
    }
    d.put("database", mongo.database);
    if (mongo.username != null) {
      d.put("username", mongo.username);
      d.put("password_file", SECRETS_DIR + "/" + MONGO_PASSWORD);
    }
    d.put("enable_tls", mongo.effectiveTls());
    return d;
  }

  private static Map<String, Object> program(TokenProgramsSpec.Program p) {
    var s = new LinkedHashMap<String, Object>();
    s.put("command", p.command);
    s.put("args", p.args == null ? List.of() : p.args);
    if (p.timeout != null) {
      s.put("timeout", p.timeout);
    }
    return s;
  }

  /**
   * The backends' files, in one folder ({@value #SECRETS_DIR}): each Secret key (and each CA
   * ConfigMap key) a projection of its own. The issuer reads its backends' passwords, connection
   * strings and CAs (Secrets or ConfigMaps) at start, so they are in its
   * {@link MountedSecretsFingerprint}.
   */
  static SecretFileVolume secretsFolder(SecureRegistry r) {
    var folder = new SecretFileVolume(SECRETS_VOLUME, SECRETS_DIR);
    AuthSpec.Managed m = managed(r);
    if (m == null) {
      return folder;
    }
    String at = "auth.token.managed.";
    if (m.ldap != null) {
      if (m.ldap.bindPasswordSecretRef != null) {
        folder.secret(file(m.ldap.bindPasswordSecretRef, "password", LDAP_BIND_PASSWORD,
            at + "ldap.bindPasswordSecretRef"));
      }
      if (m.ldap.caSecretRef != null) {
        folder.secret(file(m.ldap.caSecretRef, "ca.crt", LDAP_CA, at + "ldap.caSecretRef"));
      }
      if (m.ldap.caConfigMapRef != null) {
        folder.configMap(m.ldap.caConfigMapRef.getName(),
            key(m.ldap.caConfigMapRef.getKey(), "ca.crt"), LDAP_CA);
      }
    }
    if (m.mongo != null) {
      if (m.mongo.uriSecretRef != null) {
        folder.secret(file(m.mongo.uriSecretRef, "uri", MONGO_URI, at + "mongo.uriSecretRef"));
      }
      if (m.mongo.passwordSecretRef != null) {
        folder.secret(file(m.mongo.passwordSecretRef, "password", MONGO_PASSWORD,
            at + "mongo.passwordSecretRef"));
      }
    }
    if (m.federation != null) {
      for (TokenFederationSpec.Issuer i : m.federation.issuers) {
        if (i.caSecretRef != null) {
          folder.secret(file(i.caSecretRef, "ca.crt", TokenFederationModel.caFile(i),
              at + "federation.issuers[" + i.name + "].caSecretRef"));
        }
        if (i.caConfigMapRef != null) {
          folder.configMap(i.caConfigMapRef.getName(), key(i.caConfigMapRef.getKey(), "ca.crt"),
              TokenFederationModel.caFile(i));
        }
      }
    }
    if (m.logins != null) {
      if (m.logins.oidc != null) {
        folder.secret(file(m.logins.oidc.clientSecretRef, TokenLoginsModel.CLIENT_SECRET_KEY,
            TokenLoginsModel.OIDC_CLIENT_SECRET, at + "logins.oidc.clientSecretRef"));
        if (m.logins.oidc.caSecretRef != null) {
          folder.secret(file(m.logins.oidc.caSecretRef, "ca.crt", TokenLoginsModel.OIDC_CA,
              at + "logins.oidc.caSecretRef"));
        }
      }
      if (m.logins.google != null) {
        folder.secret(file(m.logins.google.clientSecretRef, TokenLoginsModel.CLIENT_SECRET_KEY,
            TokenLoginsModel.GOOGLE_CLIENT_SECRET, at + "logins.google.clientSecretRef"));
      }
    }
    return folder;
  }

  /** The issuer pod's extra volumes: the backends' Secret (and ConfigMap) keys, the programs. */
  public static List<Volume> volumes(SecureRegistry r) {
    var out = new ArrayList<Volume>();
    secretsFolder(r).volume().ifPresent(out::add);
    programs(r).ifPresent(name -> out.add(new VolumeBuilder().withName(PROGRAMS_VOLUME)
        .withNewConfigMap().withName(name).withDefaultMode(PROGRAM_MODE).endConfigMap().build()));
    return out;
  }

  /** The issuer container's mounts of {@link #volumes}. */
  public static List<VolumeMount> mounts(SecureRegistry r) {
    var out = new ArrayList<VolumeMount>();
    secretsFolder(r).mount().ifPresent(out::add);
    programs(r).ifPresent(name -> out.add(new VolumeMountBuilder().withName(PROGRAMS_VOLUME)
        .withMountPath(TokenProgramsSpec.PROGRAMS_DIR).withReadOnly(true).build()));
    return out;
  }

  /** The ConfigMap of the users' programs, or empty when there is none to mount. */
  static java.util.Optional<String> programs(SecureRegistry r) {
    AuthSpec.Managed m = managed(r);
    return m == null || m.programs == null ? java.util.Optional.empty()
        : java.util.Optional.ofNullable(m.programs.configMapName);
  }

  /** The Secrets these backends read, so that a change to one reconciles the registry. */
  public static Set<String> secretNames(SecureRegistry r) {
    return SecretFileVolume.secretNames(List.of(secretsFolder(r)));
  }

  /** A missing Secret or key named with the spec field that refers to it (condition AuthReady). */
  public static List<Problem> secretProblems(SecureRegistry r, Function<String, Secret> lookup) {
    var problems = new ArrayList<Problem>();
    for (SecretFile f : secretsFolder(r).files()) {
      Secret s = lookup.apply(f.secret());
      if (s == null) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "SecretNotFound",
            "Secret " + f.secret() + " not found (" + f.field() + ")"));
      } else if (SecretInputs.value(s, f.key()) == null || SecretInputs.value(s, f.key()).isBlank()) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "SecretKeyNotFound",
            "Secret " + f.secret() + " has no key " + f.key() + " (" + f.field() + ")"));
      }
    }
    return problems;
  }

  /** The ConfigMaps these backends mount, so that creating a missing one reconciles the registry. */
  public static Set<String> configMapNames(SecureRegistry r) {
    var names = new LinkedHashSet<String>();
    for (ConfigMapRef ref : configMapRefs(r)) {
      names.add(ref.name());
    }
    return names;
  }

  /**
   * A missing ConfigMap or key named with the spec field (condition AuthReady): the kubelet would
   * otherwise hold the issuer pod in ContainerCreating with nothing in the registry's status.
   */
  public static List<Problem> configMapProblems(SecureRegistry r, Function<String, ConfigMap> lookup) {
    var problems = new ArrayList<Problem>();
    for (ConfigMapRef ref : configMapRefs(r)) {
      ConfigMap cm = lookup.apply(ref.name());
      if (cm == null) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "ConfigMapNotFound",
            "ConfigMap " + ref.name() + " not found (" + ref.field() + ")"));
      } else if (ref.key() != null && !hasKey(cm, ref.key())) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "ConfigMapKeyNotFound",
            "ConfigMap " + ref.name() + " has no key " + ref.key() + " (" + ref.field() + ")"));
      }
    }
    return problems;
  }

  private static boolean hasKey(ConfigMap cm, String key) {
    return (cm.getData() != null && cm.getData().get(key) != null && !cm.getData().get(key).isBlank())
        || (cm.getBinaryData() != null && cm.getBinaryData().get(key) != null);
  }

  /** A ConfigMap the issuer mounts; key null when it is mounted whole. */
  private record ConfigMapRef(String name, String key, String field) {}

  private static List<ConfigMapRef> configMapRefs(SecureRegistry r) {
    var refs = new ArrayList<ConfigMapRef>();
    AuthSpec.Managed m = managed(r);
    if (m == null) {
      return refs;
    }
    String at = "auth.token.managed.";
    if (m.ldap != null && m.ldap.caConfigMapRef != null) {
      refs.add(new ConfigMapRef(m.ldap.caConfigMapRef.getName(),
          key(m.ldap.caConfigMapRef.getKey(), "ca.crt"), at + "ldap.caConfigMapRef"));
    }
    if (m.federation != null) {
      for (TokenFederationSpec.Issuer i : m.federation.issuers) {
        if (i.caConfigMapRef != null) {
          refs.add(new ConfigMapRef(i.caConfigMapRef.getName(), key(i.caConfigMapRef.getKey(), "ca.crt"),
              at + "federation.issuers[" + i.name + "].caConfigMapRef"));
        }
      }
    }
    if (m.programs != null && m.programs.configMapName != null) {
      refs.add(new ConfigMapRef(m.programs.configMapName, null, at + "programs.configMapName"));
    }
    return refs;
  }

  /** A selector's key, or the field's default when the user left it out. */
  private static String key(String given, String dflt) {
    return given == null || given.isEmpty() ? dflt : given;
  }

  private static SecretFile file(SecretKeySelector ref, String dfltKey, String path,
      String field) {
    return new SecretFile(ref.getName(), key(ref.getKey(), dfltKey), path, field);
  }

  private static Map<String, Object> map(Object... kv) {
    var m = new LinkedHashMap<String, Object>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
