package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * {@code auth.token.managed.programs}: external programs the issuer runs (docker_auth's
 * {@code ext_auth} and {@code ext_authz}), without a shell and with an empty environment. A program
 * is either in the image or in the user's ConfigMap, mounted executable at
 * {@value #PROGRAMS_DIR}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.authenticate) || has(self.authorize)",
    message = "programs needs authenticate, authorize, or both")
public class TokenProgramsSpec {

  public static final String PROGRAMS_DIR = "/etc/portcullis/auth-programs";

  @JsonPropertyDescription("A ConfigMap of yours whose keys are mounted as executable files in"
      + " /etc/portcullis/auth-programs (e.g. command /etc/portcullis/auth-programs/check). The image is"
      + " distroless, with no shell or Python: a program is a static binary (binaryData), a script for the"
      + " image's Java (#!/usr/bin/java --source 17), or comes with an image built FROM ours.")
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @Size(max = 253)
  public String configMapName;

  @JsonPropertyDescription("Logins: gets \"ACCOUNT PASSWORD\" on stdin; exit 0 allowed (stdout: labels JSON),"
      + " 1 denied, 2 not its account.")
  public Program authenticate;

  @JsonPropertyDescription("Authorization: gets the request as JSON on stdin; exit 0 with the allowed actions as"
      + " a JSON list, 1 denied, 2 no opinion.")
  public Program authorize;

  /** One program: an absolute path and its arguments. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Program {
    @Required
    @Pattern("^/.+")
    @Size(max = 256)
    public String command;

    @Size(max = 16)
    public List<@Size(max = 256) String> args;

    @JsonPropertyDescription("After this the program is killed and the request denied, a Go duration (default 5s).")
    @Pattern("^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$")
    public String timeout;
  }
}
