package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.util.List;

/** Who may use the registry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuthSpec {

  public enum Mode {
    None,
    Htpasswd,
    Token
  }

  @JsonPropertyDescription("None, Htpasswd (basic auth) or Token (not supported yet).")
  @Default("None")
  public Mode mode;

  public Htpasswd htpasswd;

  public Mode effectiveMode() {
    return mode == null ? Mode.None : mode;
  }

  /** Basic-auth users: listed here with password Secrets, or an htpasswd file the user keeps. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "has(self.users) != has(self.existingSecretRef)",
      message = "htpasswd needs exactly one of users, existingSecretRef")
  public static class Htpasswd {
    public List<User> users;

    @JsonPropertyDescription(
        "A Secret of the user's with an htpasswd file (bcrypt lines) under the key htpasswd.")
    public SecretRef existingSecretRef;
  }

  /** One basic-auth user; the password stays in the user's Secret, only its bcrypt hash leaves it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class User {
    @Required
    @Pattern("^[^:\\s]+$")
    public String username;

    @Required public SecretKeySelector passwordSecretRef;
  }

  /** A Secret in the registry's namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretRef {
    @Required public String name;
  }
}
