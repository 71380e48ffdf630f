package dev.portcullis.operator.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * Every sample is accepted by the generated CRD (structural schema and CEL rules, as the API
 * server would check them on create) and has the Secrets it references; every deliberately wrong
 * sample in {@code invalid-samples/} is rejected with the message its first line expects
 * ({@code # expect: ...}); and every CEL rule of the CRD is exercised by a wrong sample.
 */
class SampleValidationTest {

  static final Path ROOT = Path.of("..");
  static final Path CRD = ROOT.resolve("crds/secureregistries.portcullis.dev-v1.yml");
  static final Path SAMPLES = ROOT.resolve("samples");
  static final Path INVALID = Path.of("src/test/resources/invalid-samples");

  static Map<String, Object> crd;
  static CrdValidator validator;

  @BeforeAll
  static void load() throws IOException {
    crd = new Yaml().load(Files.readString(CRD));
    validator = new CrdValidator(crd, "v1alpha1");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> docs(Path file) throws IOException {
    var out = new ArrayList<Map<String, Object>>();
    for (Object d : new Yaml().loadAll(Files.readString(file))) {
      if (d != null) {
        out.add((Map<String, Object>) d);
      }
    }
    return out;
  }

  static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @Test
  void theSamplesOfEachUseArePresent() throws IOException {
    assertThat(yamlFiles(SAMPLES).stream().map(p -> p.getFileName().toString()))
        .contains("htpasswd.yaml", "mutual-tls.yaml", "letsencrypt.yaml", "s3-ha.yaml");
  }

  /**
   * Samples applied into one namespace, as a user trying them does, must not overwrite each other;
   * and a host belongs to one SecureRegistry at a time (the later claimant is refused).
   */
  @Test
  @SuppressWarnings("unchecked")
  void everySampleRegistryHasItsOwnNameAndHosts() throws IOException {
    var names = new java.util.HashMap<String, Path>();
    var hosts = new java.util.HashMap<String, Path>();
    for (Path file : yamlFiles(SAMPLES)) {
      for (var d : docs(file)) {
        if (!"SecureRegistry".equals(d.get("kind"))) {
          continue;
        }
        String name = CrdValidator.at(d, "metadata", "name");
        assertThat(names.put(name, file)).as("SecureRegistry %s of %s also in", name, file)
            .isNull();
        List<String> own = CrdValidator.at(d, "spec", "host");
        for (String host : own == null ? List.<String>of() : own) {
          assertThat(hosts.put(host, file)).as("host %s of %s also in", host, file).isNull();
        }
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> everySampleIsAcceptedAndHasItsSecrets() throws IOException {
    return yamlFiles(SAMPLES).stream().map(file -> DynamicTest.dynamicTest(
        file.getFileName().toString(), () -> {
          var docs = docs(file);
          var registries = docs.stream()
              .filter(d -> "SecureRegistry".equals(d.get("kind"))).toList();
          assertThat(registries).as("SecureRegistries in %s", file).isNotEmpty();
          for (var d : docs) {
            assertThat(d).as("%s: every document has apiVersion, kind and a name", file)
                .containsKeys("apiVersion", "kind");
            assertThat((String) CrdValidator.at(d, "metadata", "name")).isNotBlank();
          }
          for (var r : registries) {
            assertThat(r.get("apiVersion")).isEqualTo("portcullis.dev/v1alpha1");
            assertThat(validator.validate(r, null)).as("%s is rejected", file).isEmpty();
            for (var ref : secretRefs(r)) {
              var secret = docs.stream().filter(d -> "Secret".equals(d.get("kind"))
                  && ref[0].equals(CrdValidator.at(d, "metadata", "name"))).findFirst();
              assertThat(secret).as("%s references Secret %s", file, ref[0]).isPresent();
              if (ref[1] != null) {
                Map<String, Object> data = CrdValidator.at(secret.get(), "stringData");
                assertThat(data).as("Secret %s in %s", ref[0], file).containsKey(ref[1]);
              }
            }
          }
        }));
  }

  /** The Secrets a SecureRegistry reads, as {name, key} (key null when any key will do). */
  static List<String[]> secretRefs(Map<String, Object> r) {
    var refs = new ArrayList<String[]>();
    List<Map<String, Object>> users = CrdValidator.at(r, "spec", "auth", "htpasswd", "users");
    if (users != null) {
      for (var u : users) {
        refs.add(new String[] {CrdValidator.at(u, "passwordSecretRef", "name"),
            CrdValidator.at(u, "passwordSecretRef", "key")});
      }
    }
    String existing = CrdValidator.at(r, "spec", "auth", "htpasswd", "existingSecretRef", "name");
    if (existing != null) {
      refs.add(new String[] {existing, "htpasswd"});
    }
    Map<String, Object> s3 = CrdValidator.at(r, "spec", "storage", "s3", "credentialsSecretRef");
    if (s3 != null) {
      refs.add(new String[] {(String) s3.get("name"),
          (String) s3.getOrDefault("accessKeyKey", "accessKey")});
      refs.add(new String[] {(String) s3.get("name"),
          (String) s3.getOrDefault("secretKeyKey", "secretKey")});
    }
    List<Map<String, Object>> endpoints = CrdValidator.at(r, "spec", "notifications", "endpoints");
    for (var e : endpoints == null ? List.<Map<String, Object>>of() : endpoints) {
      List<Map<String, Object>> headers = CrdValidator.at(e, "headersFrom");
      for (var h : headers == null ? List.<Map<String, Object>>of() : headers) {
        refs.add(new String[] {CrdValidator.at(h, "secretKeyRef", "name"),
            CrdValidator.at(h, "secretKeyRef", "key")});
      }
      Map<String, Object> signing = CrdValidator.at(e, "signingSecretRef");
      if (signing != null) {
        refs.add(new String[] {(String) signing.get("name"), (String) signing.get("key")});
      }
      Map<String, Object> ca = CrdValidator.at(e, "caSecretRef");
      if (ca != null) {
        refs.add(new String[] {(String) ca.get("name"), (String) ca.getOrDefault("key", "ca.crt")});
      }
    }
    return refs;
  }

  @TestFactory
  Stream<DynamicTest> everyWrongSampleIsRejectedWithItsMessage() throws IOException {
    var files = yamlFiles(INVALID);
    assertThat(files).hasSizeGreaterThan(5);
    return files.stream().map(file -> DynamicTest.dynamicTest(
        file.getFileName().toString(), () -> {
          String expected = expectation(file);
          var r = docs(file).stream().filter(d -> "SecureRegistry".equals(d.get("kind")))
              .findFirst().orElseThrow();
          var errors = validator.validate(r, null);
          assertThat(errors).as("%s", file).anyMatch(e -> e.contains(expected));
        }));
  }

  static String expectation(Path file) throws IOException {
    String first = Files.readAllLines(file).get(0);
    assertThat(first).as("%s starts with '# expect: MESSAGE'", file).startsWith("# expect: ");
    return first.substring("# expect: ".length()).trim();
  }

  /** A new CEL rule in the CRD needs a wrong sample showing it bites, with its message. */
  @Test
  void everyCelRuleOfTheCrdIsExercisedByAWrongSample() throws IOException {
    var messages = new ArrayList<String>();
    collectRuleMessages(crd, messages);
    assertThat(messages).isNotEmpty();
    var expected = new ArrayList<String>();
    for (var f : yamlFiles(INVALID)) {
      expected.add(expectation(f));
    }
    for (String m : messages) {
      assertThat(expected).as("a wrong sample expecting the CEL message: %s", m)
          .anyMatch(e -> e.contains(m) || m.contains(e));
    }
  }

  @SuppressWarnings("unchecked")
  static void collectRuleMessages(Object node, List<String> out) {
    if (node instanceof Map<?, ?> m) {
      if (m.get("x-kubernetes-validations") instanceof List<?> rules) {
        for (Object r : rules) {
          out.add((String) ((Map<String, Object>) r).get("message"));
        }
      }
      m.values().forEach(v -> collectRuleMessages(v, out));
    } else if (node instanceof List<?> l) {
      l.forEach(v -> collectRuleMessages(v, out));
    }
  }

  /** Secure by default: the one auth section given is the mode, and client certificates count. */
  @Test
  void theAuthModeMayBeLeftToTheOneSectionGiven() {
    var users = Map.of("users", List.of(Map.of("username", "ci",
        "passwordSecretRef", Map.of("name", "ci-password", "key", "password"))));
    for (Map<String, Object> spec : List.<Map<String, Object>>of(
        Map.of("storage", Map.of("emptyDir", Map.of()), "auth", Map.of("htpasswd", users),
            "pullSecrets", Map.of("namespaces", List.of("apps"))),
        Map.of("storage", Map.of("emptyDir", Map.of()), "auth", Map.of("token", Map.of()),
            "pullSecrets", Map.of("namespaces", List.of("apps"))),
        Map.of("storage", Map.of("emptyDir", Map.of()), "tls", Map.of("mode", "MutualTLS")))) {
      var r = Map.<String, Object>of("apiVersion", "portcullis.dev/v1alpha1",
          "kind", "SecureRegistry", "metadata", Map.of("name", "x"), "spec", spec);
      assertThat(validator.validate(r, null)).as("%s", spec).isEmpty();
    }
  }

  @Test
  void celRulesAreReallyEvaluated() {
    int before = validator.rulesEvaluated;
    var ok = Map.<String, Object>of("apiVersion", "portcullis.dev/v1alpha1",
        "kind", "SecureRegistry", "metadata", Map.of("name", "x"),
        "spec", Map.of("storage", Map.of("emptyDir", Map.of()), "auth", Map.of("mode", "None"),
            "service", Map.of("type", "NodePort", "nodePort", 30500)));
    assertThat(validator.validate(ok, null)).isEmpty();
    assertThat(validator.rulesEvaluated - before).as("rules evaluated").isGreaterThanOrEqualTo(4);
  }
}
