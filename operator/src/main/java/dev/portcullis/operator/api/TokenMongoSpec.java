package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.util.List;

/**
 * {@code auth.token.managed.mongo}: users (docker_auth's {@code mongo_auth}) and ACL entries
 * (docker_auth's {@code acl_mongo}) kept in MongoDB collections, in docker_auth's document shapes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.uriSecretRef) != has(self.addrs)",
    message = "mongo needs exactly one of uriSecretRef, addrs")
@ValidationRule(
    value = "!has(self.uriSecretRef) || (!has(self.username) && !has(self.passwordSecretRef))",
    message = "mongo.uriSecretRef carries the credentials: remove username and passwordSecretRef")
@ValidationRule(
    value = "has(self.username) == has(self.passwordSecretRef)",
    message = "mongo.username and mongo.passwordSecretRef go together")
@ValidationRule(
    value = "has(self.usersCollection) || has(self.acl)",
    message = "mongo needs usersCollection (logins), acl (rules), or both")
public class TokenMongoSpec {

  @JsonPropertyDescription("A Secret key (default uri) holding a mongodb:// or mongodb+srv:// connection string (it may carry"
      + " the password); mounted as a file, never in the config.")
  public SecretKeySelector uriSecretRef;

  @JsonPropertyDescription("The servers, HOST or HOST:PORT.")
  @Size(max = 16)
  public List<@Size(max = 256) @Pattern("^[^\\s,/]+$") String> addrs;

  @JsonPropertyDescription("The database holding the collections (and the user's credentials).")
  @Required
  @Pattern("^[^/\\\\. \"$]+$")
  @Size(max = 64)
  public String database;

  @Size(max = 256)
  public String username;

  @JsonPropertyDescription("The Secret key (default password) holding username's password; mounted as a file, never in the config.")
  public SecretKeySelector passwordSecretRef;

  @JsonPropertyDescription("TLS to MongoDB, checked against the image's trust store (default true).")
  @Default("true")
  public Boolean tls;

  @JsonPropertyDescription("The users' collection, documents {username, password: bcrypt, labels}; unset: no"
      + " MongoDB logins.")
  @Size(max = 120)
  public String usersCollection;

  @JsonPropertyDescription("ACL entries {seq, match, actions, comment} read from MongoDB, after the spec's acl.")
  public Acl acl;

  public boolean effectiveTls() {
    return tls == null || tls;
  }

  /** The ACL collection and how often it is read again. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Acl {
    @Default("acl")
    @Size(max = 120)
    public String collection;

    @JsonPropertyDescription("How often the ACL is read again, a Go duration (default 1m).")
    @Default("1m")
    @Pattern("^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$")
    public String cacheTTL;

    public String effectiveCollection() {
      return collection == null ? "acl" : collection;
    }

    public String effectiveCacheTtl() {
      return cacheTTL == null ? "1m" : cacheTTL;
    }
  }
}
