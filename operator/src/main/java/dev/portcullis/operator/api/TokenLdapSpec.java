package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.util.Map;

/**
 * {@code auth.token.managed.ldap}: the issuer logs users in against an LDAP directory (docker_auth's
 * {@code ldap_auth}): it binds as {@code bindDN}, searches {@code base} with {@code filter} and binds
 * as the entry found with the user's password.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.bindDN) == has(self.bindPasswordSecretRef)",
    message = "ldap.bindDN and ldap.bindPasswordSecretRef go together")
@ValidationRule(
    value = "!has(self.caSecretRef) || !has(self.caConfigMapRef)",
    message = "ldap has two CAs: set one of caSecretRef, caConfigMapRef")
@ValidationRule(
    value = "!has(self.tls) || self.tls != 'None' || (!has(self.caSecretRef) && !has(self.caConfigMapRef))",
    message = "ldap.tls None checks no certificate (and sends passwords in clear): remove the CA,"
        + " or set tls Always or StartTLS")
public class TokenLdapSpec {

  public enum Tls {
    None,
    Always,
    StartTLS
  }

  @JsonPropertyDescription("The directory's HOST:PORT (636 for tls Always, 389 for StartTLS or None).")
  @Required
  @Pattern("^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$")
  @Size(max = 256)
  public String addr;

  @JsonPropertyDescription("Always (LDAPS), StartTLS, or None (passwords in clear: a test directory only).")
  @Default("Always")
  public Tls tls;

  @JsonPropertyDescription("A Secret key (default ca.crt) with the PEM CA that signs the directory's certificate"
      + " (default: the image's trust store).")
  public SecretKeySelector caSecretRef;

  @JsonPropertyDescription("A ConfigMap key (default ca.crt) with the PEM CA that signs the directory's certificate.")
  public ConfigMapKeySelector caConfigMapRef;

  @JsonPropertyDescription("Where users are searched, e.g. ou=people,dc=example,dc=com.")
  @Required
  @Size(max = 1024)
  public String base;

  @JsonPropertyDescription("The search filter; ${account} is the login name, LDAP-escaped, e.g."
      + " (&(uid=${account})(objectClass=person)).")
  @Required
  @Pattern("^\\(.*\\)$")
  @Size(max = 1024)
  public String filter;

  @JsonPropertyDescription("The service account the issuer binds as to search (default: an anonymous search).")
  @Size(max = 1024)
  public String bindDN;

  @JsonPropertyDescription("The Secret key (default password) holding bindDN's password; mounted as a file, never in the config.")
  public SecretKeySelector bindPasswordSecretRef;

  @JsonPropertyDescription("Labels from the user's entry, for ACL rules' match.labels: label name to attribute,"
      + " e.g. groups: {attribute: memberOf, parseCN: true}.")
  @Size(max = 16)
  public Map<String, Label> labels;

  public Tls effectiveTls() {
    return tls == null ? Tls.Always : tls;
  }

  /** One label taken from an attribute of the user's entry (docker_auth's {@code labels} map). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Label {
    @Required
    @Size(max = 256)
    public String attribute;

    @JsonPropertyDescription("Keep only the first CN of a DN value (memberOf: cn=dev,ou=groups,... gives dev).")
    public Boolean parseCN;
  }
}
