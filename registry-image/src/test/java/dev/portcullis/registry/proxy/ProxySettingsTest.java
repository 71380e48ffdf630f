package dev.portcullis.registry.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.config.RegistryConfigLoader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxySettingsTest {
    @TempDir
    Path dir;

    private static ProxySettings parse(String proxyYaml, Map<String, String> env) {
        ConfigTree tree = ConfigTree.parse("version: 0.1\nstorage: {inmemory: {}}\n" + proxyYaml, "config.yml")
                .withEnvironment(env);
        // The loader must not warn about proxy keys any more: they are read.
        assertTrue(RegistryConfigLoader.fromTree(tree).warnings().stream().noneMatch(w -> w.contains("proxy")),
                () -> RegistryConfigLoader.fromTree(tree).warnings().toString());
        return ProxySettings.from(tree).orElseThrow();
    }

    @Test
    void distributionsSectionMakesTheWholeRegistryOneUpstreamsCache() {
        ProxySettings s = parse("""
                proxy:
                  remoteurl: https://registry-1.docker.io
                  username: bob
                  password: s3cret
                  ttl: 24h
                """, Map.of());
        assertTrue(s.wholeRegistry());
        UpstreamSettings u = s.upstreams().get(0);
        assertEquals("registry-1.docker.io", u.name());
        assertEquals(URI.create("https://registry-1.docker.io"), u.remoteUrl());
        assertEquals(Duration.ofHours(24), u.expiry());
        assertEquals(ProxySettings.DEFAULT_TAG_TTL, u.tagTtl());
        assertEquals("bob", u.credentials().orElseThrow().username());
        assertFalse(u.credentials().orElseThrow().toString().contains("s3cret"));
        // Every repository is the upstream's; Docker Hub's official images live under library/.
        CacheTarget t = s.resolve("nginx", null).orElseThrow();
        assertEquals("nginx", t.localRepository());
        assertEquals("library/nginx", t.remoteRepository());
        assertEquals("team/app", s.resolve("team/app", "docker.io").orElseThrow().remoteRepository());
    }

    @Test
    void environmentOverridesTheSectionAsInDistribution() {
        ProxySettings s = parse("proxy:\n  remoteurl: https://a.example\n", Map.of(
                "REGISTRY_PROXY_REMOTEURL", "https://b.example",
                "REGISTRY_PROXY_USERNAME", "u",
                "REGISTRY_PROXY_PASSWORD", "p",
                "REGISTRY_PROXY_TTL", "0"));
        UpstreamSettings u = s.upstreams().get(0);
        assertEquals(URI.create("https://b.example"), u.remoteUrl());
        assertEquals("p", u.credentials().orElseThrow().password());
        assertEquals(Duration.ZERO, u.expiry());
    }

    @Test
    void severalUpstreamsEachUnderItsPrefixNextToHostedRepositories() throws Exception {
        Path pw = Files.writeString(dir.resolve("ghcr-password"), "tok3n\n");
        ProxySettings s = parse("""
                proxy:
                  tagttl: 1m
                  upstreams:
                    - name: docker.io
                      remoteurl: https://registry-1.docker.io
                      ttl: 72h
                    - name: ghcr.io
                      remoteurl: https://ghcr.io
                      username: robot
                      passwordfile: %s
                      prefix: mirror/ghcr
                      tagttl: 30s
                """.formatted(pw), Map.of());
        assertFalse(s.wholeRegistry());
        UpstreamSettings hub = s.upstreams().get(0);
        UpstreamSettings ghcr = s.upstreams().get(1);
        assertEquals(Duration.ofMinutes(1), hub.tagTtl());
        assertEquals(Duration.ofHours(72), hub.expiry());
        assertEquals("tok3n", ghcr.credentials().orElseThrow().password());
        assertEquals(Duration.ofSeconds(30), ghcr.tagTtl());

        // containerd's ?ns= names the upstream; the path is then the upstream's own name.
        CacheTarget viaNs = s.resolve("library/nginx", "docker.io").orElseThrow();
        assertEquals("docker.io/library/nginx", viaNs.localRepository());
        assertEquals("library/nginx", viaNs.remoteRepository());
        // Without ?ns=, the prefix selects.
        CacheTarget viaPrefix = s.resolve("mirror/ghcr/org/tool", null).orElseThrow();
        assertEquals("ghcr.io", viaPrefix.upstream().name());
        assertEquals("org/tool", viaPrefix.remoteRepository());
        assertEquals("library/nginx", s.resolve("docker.io/nginx", null).orElseThrow().remoteRepository());
        // Hosted names are not a cache's, with or without an ?ns= of another registry.
        assertEquals(Optional.empty(), s.resolve("team/app", null));
        assertEquals(Optional.empty(), s.resolve("team/app", "registry.example:5000"));
        assertEquals(Optional.empty(), s.resolve("docker.iox/app", null));
    }

    @Test
    void bothHalvesOfTheCredentialsFromFilesAsAMountedSecretGivesThem() throws Exception {
        Path user = Files.writeString(dir.resolve("username"), "hubuser\n");
        Path pw = Files.writeString(dir.resolve("password"), "s3cret\n");
        ProxySettings s = parse("""
                proxy:
                  upstreams:
                    - name: docker.io
                      remoteurl: https://registry-1.docker.io
                      usernamefile: %s
                      passwordfile: %s
                """.formatted(user, pw), Map.of());
        UpstreamSettings.Credentials c = s.upstreams().get(0).credentials().orElseThrow();
        assertEquals("hubuser", c.username());
        assertEquals("s3cret", c.password());
        assertKey("proxy.upstreams[0].usernamefile", "proxy:\n  upstreams:\n    - {name: a, remoteurl: https://a.example,"
                + " username: u, usernamefile: " + user + ", passwordfile: " + pw + "}\n");
        assertKey("proxy.upstreams[0].usernamefile", "proxy:\n  upstreams:\n    - {name: a, remoteurl: https://a.example,"
                + " usernamefile: " + dir.resolve("missing") + ", passwordfile: " + pw + "}\n");
    }

    @Test
    void everyMistakeNamesItsKey() throws Exception {
        assertKey("proxy.remoteur", "proxy:\n  remoteur: https://a.example\n");
        assertKey("proxy.upstreams[0].usernme", "proxy:\n  upstreams:\n    - {name: a, remoteurl: https://a.example, usernme: x}\n");
        assertKey("proxy.upstreams[1].name", "proxy:\n  upstreams:\n    - {name: a, remoteurl: https://a.example}\n"
                + "    - {name: a, remoteurl: https://b.example}\n");
        assertKey("proxy.remoteurl", "proxy:\n  remoteurl: ftp://a.example\n");
        assertKey("proxy.remoteurl", "proxy:\n  remoteurl: https://a.example/v2/\n");
        assertKey("proxy.password", "proxy:\n  remoteurl: https://a.example\n  username: u\n");
        assertKey("proxy.ttl", "proxy:\n  remoteurl: https://a.example\n  ttl: soon\n");
        assertKey("proxy.upstreams", "proxy:\n  remoteurl: https://a.example\n  upstreams: []\n");
        assertKey("proxy.upstreams[0].passwordfile", "proxy:\n  upstreams:\n    - {name: a, remoteurl: https://a.example,"
                + " username: u, passwordfile: " + dir.resolve("missing") + "}\n");
        assertKey("proxy.upstreams", "proxy:\n  upstreams:\n    - {name: a, remoteurl: https://a.example, prefix: m}\n"
                + "    - {name: b, remoteurl: https://b.example, prefix: m/b}\n");
        assertKey("proxy.upstreams[0].cafile", "proxy:\n  upstreams:\n    - {name: a, remoteurl: https://a.example, cafile: "
                + dir.resolve("nope.pem") + "}\n");
    }

    private static void assertKey(String key, String yaml) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ProxySettings.from(ConfigTree.parse("version: 0.1\n" + yaml, "config.yml")));
        assertTrue(e.getMessage().contains(key), () -> "expected the key " + key + " in: " + e.getMessage());
    }
}
