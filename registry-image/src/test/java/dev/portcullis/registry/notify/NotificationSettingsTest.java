package dev.portcullis.registry.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.config.RegistryConfigLoader;
import dev.portcullis.registry.testsupport.RegistryProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotificationSettingsTest {
    @TempDir
    Path dir;

    private static NotificationSettings parse(String yaml, Map<String, String> env) {
        ConfigTree tree = ConfigTree.parse("version: 0.1\nstorage:\n  inmemory: {}\n" + yaml, "test").withEnvironment(env);
        assertTrue(RegistryConfigLoader.fromTree(tree).warnings().isEmpty(), "every notifications key is known");
        return NotificationSettings.from(tree);
    }

    private ConfigException refused(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml, Map.of()));
    }

    @Test
    void distributionsKeysAndOurs() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "Bearer s3cr3t-value\n");
        Path secret = Files.writeString(dir.resolve("secret"), "0123456789abcdef0123456789abcdef");
        NotificationSettings s = parse("""
                notifications:
                  events:
                    includereferences: true
                  endpoints:
                    - name: ci
                      url: https://hooks.example.com/registry
                      headers:
                        X-Team: [builds, ops]
                      headerfiles:
                        Authorization: %s
                      timeout: 500ms
                      threshold: 5
                      backoff: 2s
                      ignoredmediatypes: [application/octet-stream]
                      ignore:
                        mediatypes: [application/vnd.oci.image.config.v1+json]
                        actions: [pull]
                      backlog: 50
                      format: cloudevents
                      signingsecretfile: %s
                    - name: off
                      url: http://localhost:1/
                      disabled: true
                """.formatted(token, secret), Map.of());
        assertTrue(s.includeReferences());
        assertEquals(2, s.endpoints().size());
        assertEquals(1, s.active().size());
        EndpointSettings e = s.endpoints().get(0);
        assertEquals("ci", e.name());
        assertEquals(List.of("builds", "ops"), e.headers().get("X-Team"));
        assertEquals(List.of("Bearer s3cr3t-value"), e.headers().get("Authorization"));
        assertEquals(Duration.ofMillis(500), e.timeout());
        assertEquals(5, e.threshold());
        assertEquals(Duration.ofSeconds(2), e.backoff());
        assertEquals(Set.of("application/octet-stream", "application/vnd.oci.image.config.v1+json"), e.ignoredMediaTypes());
        assertEquals(50, e.backlog());
        assertEquals(EndpointSettings.Format.CLOUDEVENTS, e.format());
        assertFalse(e.accepts("pull", "application/vnd.oci.image.manifest.v1+json"));
        assertFalse(e.accepts("push", "application/octet-stream"));
        assertTrue(e.accepts("push", "application/vnd.oci.image.manifest.v1+json"));
        assertTrue(e.accepts("delete", null));
        assertFalse(e.toString().contains("s3cr3t"), e.toString());
        assertFalse(e.toString().contains("0123456789abcdef"), e.toString());
    }

    @Test
    void distributionsDefaults() {
        EndpointSettings e = parse("""
                notifications:
                  endpoints:
                    - name: a
                      url: http://127.0.0.1:9/x
                """, Map.of()).endpoints().get(0);
        assertEquals(Duration.ofSeconds(1), e.timeout());
        assertEquals(10, e.threshold());
        assertEquals(Duration.ofSeconds(1), e.backoff());
        assertEquals(10_000, e.backlog());
        assertEquals(EndpointSettings.Format.DISTRIBUTION, e.format());
        assertTrue(e.signingSecret().isEmpty());
    }

    @Test
    void environmentOverrides() {
        NotificationSettings s = parse("", Map.of(
                "REGISTRY_NOTIFICATIONS_EVENTS_INCLUDEREFERENCES", "true",
                "REGISTRY_NOTIFICATIONS_ENDPOINTS", "[{name: env, url: 'http://127.0.0.1:9/hook', timeout: 3s}]"));
        assertTrue(s.includeReferences());
        assertEquals("env", s.endpoints().get(0).name());
        assertEquals(Duration.ofSeconds(3), s.endpoints().get(0).timeout());
    }

    @Test
    void badInputNamesTheKey() {
        assertEquals("notifications.endpoints[0].url: 'http://exa mple' is not a URL: Illegal character in authority",
                refused("notifications:\n  endpoints:\n    - name: a\n      url: http://exa mple\n").getMessage());
        assertEquals("notifications.endpoints[0].url: 'ftp://host/' must be an http:// or https:// URL",
                refused("notifications:\n  endpoints:\n    - name: a\n      url: ftp://host/\n").getMessage());
        assertEquals("notifications.endpoints[0].url: missing",
                refused("notifications:\n  endpoints:\n    - name: a\n").getMessage());
        assertEquals("notifications.endpoints[0].signingsecretfile: cannot read file /nonexistent/secret",
                refused("notifications:\n  endpoints:\n    - name: a\n      url: http://h/\n"
                        + "      signingsecretfile: /nonexistent/secret\n").getMessage());
        assertEquals("notifications.endpoints[0].headerfiles.Authorization: cannot read file /nonexistent/token",
                refused("notifications:\n  endpoints:\n    - name: a\n      url: http://h/\n"
                        + "      headerfiles:\n        Authorization: /nonexistent/token\n").getMessage());
        assertEquals("notifications.endpoints[0].ignore.actions: 'fetch' is not one of push, pull, mount, delete",
                refused("notifications:\n  endpoints:\n    - name: a\n      url: http://h/\n"
                        + "      ignore:\n        actions: [fetch]\n").getMessage());
        assertEquals("notifications.endpoints[1].name: 'a' is used by another endpoint",
                refused("notifications:\n  endpoints:\n    - name: a\n      url: http://h/\n"
                        + "    - name: a\n      url: http://h/\n").getMessage());
        assertEquals("notifications.endpoints[0].tls: is set but the url http://h/ is not https",
                refused("notifications:\n  endpoints:\n    - name: a\n      url: http://h/\n"
                        + "      tls:\n        ca: /etc/hostname\n").getMessage());
        assertEquals("notifications.endpoints[0].threshold: 'many' is not a whole number",
                refused("notifications:\n  endpoints:\n    - name: a\n      url: http://h/\n      threshold: many\n").getMessage());
        assertTrue(refused("notifications:\n  endpoints:\n    - name: a\n      url: http://h/\n      retries: 3\n")
                .getMessage().startsWith("notifications.endpoints[0].retries: unknown endpoint key"));
        assertTrue(refused("notifications:\n  endpoints:\n    - name: a\n      url: http://user:pw@h/\n")
                .getMessage().startsWith("notifications.endpoints[0].url: must not carry credentials"));
    }

    @Test
    void aShortSigningSecretIsRefused() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "short");
        assertTrue(refused("notifications:\n  endpoints:\n    - name: a\n      url: http://h/\n"
                + "      signingsecretfile: " + secret + "\n").getMessage()
                .startsWith("notifications.endpoints[0].signingsecretfile: " + secret + " holds fewer than 16 bytes"));
    }

    @Test
    void theCommandLineStopsWithOneLineNamingTheKey() throws Exception {
        Files.writeString(dir.resolve("c.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: " + dir.resolve("s")
                + "\nhttp:\n  addr: 127.0.0.1:0\nnotifications:\n  endpoints:\n    - name: a\n      url: http://h/\n"
                + "      signingsecretfile: /nonexistent/secret\n");
        try (RegistryProcess p = RegistryProcess.start(dir, List.of(), Map.of(), "serve", dir.resolve("c.yml").toString())) {
            assertEquals(2, p.waitForExit(Duration.ofSeconds(60)));
            assertEquals("portcullis-registry: config error: notifications.endpoints[0].signingsecretfile: cannot read file"
                    + " /nonexistent/secret", p.output().strip());
        }
    }
}
