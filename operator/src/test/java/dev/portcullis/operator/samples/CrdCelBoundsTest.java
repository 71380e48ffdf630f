package dev.portcullis.operator.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Stands for the API server's CEL cost estimation when the CRD is applied (1.24+; on by default from 1.25): a rule
 * that ranges over a list or compares a string the schema does not bound is estimated over the budget and the
 * server rejects the whole CRD ("estimated rule cost exceeds budget by factor of more than 100x").
 */
class CrdCelBoundsTest {

  @Test
  void everyRuleOfTheCommittedCrdReachesOnlyBoundedValues() throws Exception {
    Map<String, Object> crd = new Yaml().load(Files.readString(SampleValidationTest.CRD));
    assertThat(CelRuleBounds.violations(crd)).isEmpty();
  }

  @Test
  void uniqueNamesAreLeftToTheListMapNotToARule() throws Exception {
    Map<String, Object> crd = new Yaml().load(Files.readString(SampleValidationTest.CRD));
    List<Map<String, Object>> versions = CrdValidator.at(crd, "spec", "versions");
    Map<String, Object> list = CrdValidator.at(versions.get(0), "schema", "openAPIV3Schema",
        "properties", "spec", "properties", "tls", "properties", "clientCertificates");
    assertThat(list).containsEntry("x-kubernetes-list-type", "map")
        .containsEntry("x-kubernetes-list-map-keys", List.of("name"));
    assertThat(CrdValidator.at(list, "items", "required").toString()).contains("name");
  }

  /** The clientCertificates schema as it was when a 1.24 API server refused the CRD. */
  @Test
  void theRuleA124ServerRejectedIsReported() {
    Map<String, Object> crd = new Yaml().load("""
        spec:
          versions:
          - name: v1alpha1
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  clientCertificates:
                    type: array
                    items:
                      type: object
                      properties:
                        name: {type: string, pattern: "^[a-z0-9]+$"}
                        commonName: {type: string}
                    x-kubernetes-validations:
                    - rule: "self.all(c, self.exists_one(d, d.name == c.name))"
                  mode:
                    type: string
                    enum: [A, B]
                  hosts:
                    type: array
                    maxItems: 8
                    items: {type: string}
                  labels:
                    type: object
                    additionalProperties: {type: string, maxLength: 63}
                x-kubernetes-validations:
                - rule: "self.mode != 'A' || has(self.clientCertificates)"
                - rule: "'x' in self.hosts || size(self.labels) > 0"
        """);
    assertThat(CelRuleBounds.violations(crd)).containsExactlyInAnyOrder(
        "v1alpha1.clientCertificates: rule `self.all(c, self.exists_one(d, d.name == c.name))`"
            + " reaches a list without maxItems",
        "v1alpha1.clientCertificates[].name: rule `self.all(c, self.exists_one(d, d.name == c.name))`"
            + " reaches a string without maxLength",
        "v1alpha1.hosts: rule `'x' in self.hosts || size(self.labels) > 0` reaches a list of strings without"
            + " maxLength",
        "v1alpha1.labels: rule `'x' in self.hosts || size(self.labels) > 0` reaches a map without maxProperties");
  }
}
