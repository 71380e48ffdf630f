package dev.portcullis.registry.authserver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code oidc_auth} and {@code google_auth} sections: defaults, and each mistake named by its key. */
class BrowserLoginSettingsTest {
    private static final String BASE = """
            server: {addr: "127.0.0.1:5001"}
            token: {issuer: iss, service: svc, certificate: t.crt, key: t.key}
            """;
    private static final String OIDC = """
            oidc_auth:
              issuer: https://idp.example.com/realms/acme
              redirect_url: https://auth.example.com/oidc_auth
              client_id: registry
              client_secret_file: /run/secrets/oidc/client-secret
              token_db: /var/lib/portcullis/logins
            """;

    @TempDir
    Path dir;

    private static ConfigException error(String yaml) {
        return assertThrows(ConfigException.class, () -> AuthServerConfig.parse(BASE + yaml, Path.of("/etc/auth")));
    }

    @Test
    void oidcDefaultsAreDocker_auths() throws Exception {
        AuthServerConfig c = AuthServerConfig.parse(BASE + OIDC, Path.of("/etc/auth"));
        BrowserLoginSettings s = (BrowserLoginSettings) c.backends().get(0);
        assertEquals("oidc_auth", s.section());
        assertEquals(List.of("openid", "email"), s.scopes());
        assertEquals("email", s.userClaim());
        assertEquals("/oidc_auth", s.path());
        assertEquals(Duration.ofHours(12), s.passwordExpiration());
        assertEquals(Duration.ofSeconds(10), s.httpTimeout());
        assertEquals(Path.of("/var/lib/portcullis/logins"), s.tokenDb());
    }

    @Test
    void googleUsesGooglesIssuerAndTheDomain() throws Exception {
        AuthServerConfig c = AuthServerConfig.parse(BASE + """
                google_auth:
                  domain: acme.example
                  client_id: 123.apps.googleusercontent.com
                  client_secret_file: google-secret
                  redirect_url: https://auth.example.com/google_auth
                  token_db: google-logins
                """, Path.of("/etc/auth"));
        BrowserLoginSettings s = (BrowserLoginSettings) c.backends().get(0);
        assertEquals(URI.create("https://accounts.google.com"), s.issuer());
        assertEquals("acme.example", s.restrictDomain());
        assertEquals(Path.of("/etc/auth/google-secret"), s.clientSecretFile(), "relative to the config file");
    }

    @Test
    void mistakesNameTheirKey() {
        assertEquals("oidc_auth.client_secret", error(OIDC + "  client_secret: hunter2\n").key(), "secrets only from files");
        assertTrue(error(OIDC + "  client_secret: hunter2\n").getMessage().contains("client_secret_file"));
        assertEquals("oidc_auth.client_secret_file", error(OIDC.replace("  client_secret_file: /run/secrets/oidc/client-secret\n", "")).key());
        assertEquals("oidc_auth.token_db", error(OIDC.replace("  token_db: /var/lib/portcullis/logins\n", "")).key());
        assertEquals("oidc_auth.issuer", error(OIDC.replace("https://idp.example.com", "http://idp.example.com")).key());
        assertEquals("oidc_auth.redirect_url", error(OIDC.replace("https://auth.example.com/oidc_auth", "https://auth.example.com/auth")).key(),
                "the token endpoint's path");
        assertEquals("oidc_auth.redirect_url", error(OIDC.replace("https://auth.example.com/oidc_auth", "https://auth.example.com")).key());
        assertEquals("oidc_auth.scopes", error(OIDC + "  scopes: [email]\n").key());
        assertEquals("oidc_auth.password_expiration", error(OIDC + "  password_expiration: 1s\n").key());
        assertEquals("oidc_auth.password_expirtion", error(OIDC + "  password_expirtion: 1h\n").key());
        assertEquals("google_auth.domain", error("""
                google_auth: {domain: "@acme.example", client_id: c, client_secret_file: f, redirect_url: "https://a.example/g", token_db: d}
                """).key());
        assertEquals("oidc_auth.redirect_url", error(OIDC + """
                google_auth: {client_id: c, client_secret_file: f, redirect_url: "https://a.example/oidc_auth", token_db: d}
                """).key(), "two sign-in pages on one path (google_auth comes first in docker_auth's order)");
    }

    @Test
    void anUnreadableSecretOrTokenDbStopsTheStart() throws Exception {
        Path notADir = Files.writeString(dir.resolve("file"), "x");
        BrowserLoginSettings missing = (BrowserLoginSettings) AuthServerConfig.parse(BASE + OIDC
                .replace("/run/secrets/oidc/client-secret", dir.resolve("nope").toString()), null).backends().get(0);
        assertEquals("oidc_auth.client_secret_file", assertThrows(ConfigException.class, missing::start).key());
        Files.writeString(dir.resolve("secret"), "s\n");
        BrowserLoginSettings file = (BrowserLoginSettings) AuthServerConfig.parse(BASE + OIDC
                .replace("/run/secrets/oidc/client-secret", dir.resolve("secret").toString())
                .replace("/var/lib/portcullis/logins", notADir.toString()), null).backends().get(0);
        assertEquals("oidc_auth.token_db", assertThrows(ConfigException.class, file::start).key());
    }

    @Test
    void revokeCommandSaysWhatIsWrongInOneLine() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(AuthServerCommand.EXIT_CONFIG, AuthServerCommand.run(List.of("revoke", "auth.yml")));
            Path config = Files.writeString(dir.resolve("auth.yml"), BASE + "users: {\"\": {}}\n");
            assertEquals(AuthServerCommand.EXIT_CONFIG, AuthServerCommand.run(List.of("revoke", config.toString(), "--expired")));
        } finally {
            System.setErr(err);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(lines.get(0).startsWith("usage: auth-server revoke CONFIG.yml"), lines.toString());
        assertTrue(lines.get(1).contains("configures no browser login"), lines.toString());
    }
}
