package dev.portcullis.registry.authserver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a docker_auth configuration meets: the keys we share work, the sections we lack stop the start by name. */
class DockerAuthConfigCompatibilityTest {
    private static final String BASE = """
            server: {addr: "127.0.0.1:5001", certificate: /tls/tls.crt, key: /tls/tls.key}
            token: {issuer: "Acme auth server", expiration: 900}
            users: {"": {}}
            """;

    @TempDir
    Path dir;

    @Test
    void tokenServiceIsOptionalAsInDockerAuth() throws Exception {
        AuthServerConfig c = AuthServerConfig.parse(BASE, Path.of("/etc/auth"));
        assertNull(c.token().service(), "no service: any service asked for becomes the audience");
        assertEquals(Path.of("/tls/tls.crt"), c.token().certificate());
    }

    @Test
    void everyDockerAuthBackendSectionParsesInDockerAuthsOrder() throws Exception {
        AuthServerConfig c = AuthServerConfig.parse(BASE + """
                ext_authz: {command: /bin/true}
                acl_mongo: {dial_info: {addrs: ["mongo:27017"], database: docker_auth}}
                ext_auth: {command: /bin/false}
                mongo_auth: {dial_info: {addrs: ["mongo:27017"], database: docker_auth}}
                ldap_auth: {addr: "ldap.example.com:636", base: "dc=example,dc=com", filter: "(uid=${account})"}
                """, null);
        assertEquals(List.of("ldap_auth", "mongo_auth", "ext_auth", "acl_mongo", "ext_authz"),
                c.backends().stream().map(BackendSettings::section).toList(), "file order does not matter, docker_auth's does");
    }

    @Test
    void docker_authSectionsWeDoNotImplementAreRefusedNotIgnored() {
        for (String section : List.of("github_auth", "gitlab_auth", "xorm_auth", "acl_xorm",
                "plugin_authn", "plugin_authz", "casbin_authz", "redis_token_db")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> AuthServerConfig.parse(BASE + section + ": {x: y}\n", null));
            assertEquals(section, e.key());
            assertTrue(e.getMessage().contains("not supported"), e.getMessage());
        }
        ConfigException proxy = assertThrows(ConfigException.class, () -> AuthServerConfig.parse(
                BASE.replace("server: {", "server: {real_ip_header: X-Forwarded-For, "), null));
        assertEquals("server.real_ip_header", proxy.key());
        assertTrue(proxy.getMessage().contains("not supported"), proxy.getMessage());
        assertEquals("bogus_auth", assertThrows(ConfigException.class,
                () -> AuthServerConfig.parse(BASE + "bogus_auth: {}\n", null)).key(), "a typo is an unknown key");
    }

    @Test
    void theCommandPrintsOneLineAndExitsNonZero() throws Exception {
        Path config = dir.resolve("auth_config.yml");
        Files.writeString(config, BASE + "ext_auth:\n  command: my_ext_auth\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = AuthServerCommand.run(List.of(config.toString()));
        } finally {
            System.setErr(saved);
        }
        assertEquals(AuthServerCommand.EXIT_CONFIG, code);
        String out = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.contains("ext_auth.command") && out.contains("must be an absolute path"), out);
    }

    @Test
    void aclLabelPlaceholdersAndMatchLabelsParse() throws Exception {
        AuthServerConfig c = AuthServerConfig.parse(BASE + """
                acl:
                  - match: {account: "/.+/", name: "${labels:project}/*", labels: {group: "/^dev/"}}
                    actions: ["pull"]
                """, null);
        assertEquals(1, c.acl().get(0).labels().size());
        assertEquals("acl[0].match.name", assertThrows(ConfigException.class, () -> AuthServerConfig.parse(BASE + """
                acl:
                  - match: {name: "${label:project}/*"}
                    actions: ["pull"]
                """, null)).key(), "a misspelt placeholder is an error, not a pattern that never matches");
    }
}
