package dev.portcullis.operator.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Builds the registry's htpasswd file (bcrypt lines, {@code user:$2y$10$...}) from plaintext
 * passwords read from the user's Secrets. A user whose password still matches the line already
 * written keeps that line: bcrypt salts every hash, so re-hashing on every reconcile would rewrite
 * the Secret each time and GitOps tools would see endless drift.
 */
public final class Htpasswd {

  /**
   * bcrypt cost, jBCrypt's default. Not what {@code htpasswd -B} writes: Apache's tool uses 5 unless given
   * {@code -C 10}, so hand-made files ({@code existingSecretRef}) are often 32 times cheaper to guess against.
   */
  static final int COST = 10;

  /** One user and the password from its Secret; never logged, never stored by the operator. */
  public record Credential(String username, String password) {
    @Override
    public String toString() {
      return "Credential[" + username + "]";
    }
  }

  private Htpasswd() {}

  public static String build(List<Credential> credentials, String existingFile) {
    Map<String, String> existing = parse(existingFile);
    var out = new StringBuilder();
    for (Credential c : credentials) {
      String hash = existing.get(c.username());
      if (hash == null || !matches(c.password(), hash)) {
        hash = hash(c.password());
      }
      out.append(c.username()).append(':').append(hash).append('\n');
    }
    return out.toString();
  }

  /** A fresh bcrypt hash with Apache's {@code $2y$} prefix (same algorithm as jBCrypt's $2a$). */
  static String hash(String password) {
    String h = BCrypt.hashpw(password, BCrypt.gensalt(COST));
    return "$2y$" + h.substring(4);
  }

  static boolean matches(String password, String hash) {
    if (hash.length() < 7 || !hash.startsWith("$2")) {
      return false;
    }
    // jBCrypt 0.4 only knows the $2a$ spelling; $2b$ and $2y$ name the same algorithm.
    String normalized = "$2a$" + hash.substring(4);
    try {
      return BCrypt.checkpw(password, normalized);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static Map<String, String> parse(String file) {
    var users = new LinkedHashMap<String, String>();
    if (file == null) {
      return users;
    }
    for (String line : file.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        users.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return users;
  }
}
