package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

class HtpasswdTest {

  static final Htpasswd.Credential RACKHAM = new Htpasswd.Credential("rackham", "s3cret");
  static final Htpasswd.Credential HADDOCK = new Htpasswd.Credential("haddock", "barnacles");

  @Test
  void writesApacheStyleBcryptLinesInSpecOrder() {
    String file = Htpasswd.build(List.of(RACKHAM, HADDOCK), null);
    var lines = file.split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).startsWith("rackham:$2y$10$").hasSize("rackham:".length() + 60);
    assertThat(lines[1]).startsWith("haddock:$2y$10$");
    assertThat(BCrypt.checkpw("s3cret", "$2a$" + lines[0].substring(12))).isTrue();
    assertThat(file).doesNotContain("s3cret").doesNotContain("barnacles");
  }

  @Test
  void keepsTheHashOfAnUnchangedPasswordSoNothingIsRewritten() {
    String first = Htpasswd.build(List.of(RACKHAM, HADDOCK), null);
    assertThat(Htpasswd.build(List.of(RACKHAM, HADDOCK), first)).isEqualTo(first);
  }

  @Test
  void rehashesOnlyTheChangedPassword() {
    String first = Htpasswd.build(List.of(RACKHAM, HADDOCK), null);
    String second = Htpasswd.build(
        List.of(new Htpasswd.Credential("rackham", "new"), HADDOCK), first);
    assertThat(second.split("\n")[0]).isNotEqualTo(first.split("\n")[0]);
    assertThat(second.split("\n")[1]).isEqualTo(first.split("\n")[1]);
    assertThat(Htpasswd.matches("new", second.split("\n")[0].substring(8))).isTrue();
  }

  @Test
  void acceptsExistingHashesOfAnyBcryptSpelling() {
    String a = BCrypt.hashpw("pw", BCrypt.gensalt(4));
    assertThat(Htpasswd.matches("pw", a)).isTrue();
    assertThat(Htpasswd.matches("pw", "$2b$" + a.substring(4))).isTrue();
    assertThat(Htpasswd.matches("pw", "$2y$" + a.substring(4))).isTrue();
    assertThat(Htpasswd.matches("pw", "{SHA}garbage")).isFalse();
  }

  @Test
  void credentialsNeverPrintTheirPassword() {
    assertThat(RACKHAM.toString()).doesNotContain("s3cret");
  }
}
