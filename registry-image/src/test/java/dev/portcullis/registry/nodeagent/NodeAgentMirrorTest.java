package dev.portcullis.registry.nodeagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.clients.ContainerdNode;
import dev.portcullis.registry.clients.OciImage;
import dev.portcullis.registry.clients.OciImages;
import dev.portcullis.registry.clients.RegistryTarget;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.clients.Skopeo;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.tls.LocalCertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node agent's mirror files: for each upstream a registry caches, {@code certs.d/<upstream>/hosts.toml} names the
 * registry as containerd's pull mirror and the upstream as the fallback server, so {@code docker.io/library/...} pulls
 * through the cache with no change to the image name.
 */
class NodeAgentMirrorTest {
    @TempDir
    Path dir;

    @Test
    void containerdPullsADockerHubNameThroughTheCacheTheAgentNamedAsMirror() throws Exception {
        RequiredTool.CONTAINERD.require();
        RequiredTool.DISTRIBUTION.require();
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("cache-ca");
        Path caFile = ca.writeCertificate(dir.resolve("pki/ca.crt"));
        LocalCertificateAuthority.Issued server = ca.issueServer(dir.resolve("pki"), "server");
        OciImage image = OciImages.create(dir.resolve("image"), 2, 0.5, 7001);
        try (DistributionProcess hub = DistributionProcess.startPlain(dir.resolve("hub"))) {
            Skopeo.create(dir.resolve("skopeo")).copy(new Skopeo.OciDir(image.dir(), "latest"),
                    new Skopeo.Remote(RegistryTarget.plainHttp(hub.hostPort()), "library/app:v1"));
            try (RunningRegistry cache = RunningRegistry.start(dir.resolve("cache"), """
                      tls:
                        certificate: %s
                        key: %s
                    proxy:
                      upstreams:
                        - name: docker.io
                          remoteurl: http://%s
                    """.formatted(server.certificate(), server.key(), hub.hostPort()));
                 ContainerdNode node = ContainerdNode.start()) {
                Path source = Files.createDirectories(dir.resolve("source"));
                Path certsD = dir.resolve("certs.d");
                Files.writeString(source.resolve("registries.yaml"), """
                        registries:
                          - id: infra/cache
                            hosts: ["%s"]
                            ca: |
                        %s
                            mirrors:
                              - name: docker.io
                                server: https://registry-1.docker.io
                        """.formatted(cache.hostPort(), Files.readString(caFile).indent(6).stripTrailing()));
                assertEquals(0, agentOnce(source, certsD));

                String hostsToml = Files.readString(certsD.resolve("docker.io/hosts.toml"));
                assertTrue(hostsToml.contains("server = \"https://registry-1.docker.io\""), hostsToml);
                assertTrue(hostsToml.contains("[host.\"https://" + cache.hostPort() + "\"]"), hostsToml);
                node.pull("docker.io/library/app:v1", certsD);
                assertEquals(image.manifestDigest(), node.imageDigest("docker.io/library/app:v1"));
                assertTrue(node.completeAndUnpacked("docker.io/library/app:v1"));
                // It came through the cache (containerd's ?ns=docker.io), not from the fallback server.
                assertTrue(Files.isDirectory(cache.storageRoot()
                        .resolve("docker/registry/v2/repositories/docker.io/library/app")));
            }
        }
    }

    @Test
    void mirrorFoldersFollowTheListAndNeverTakeAFolderTheAgentDidNotWrite() throws Exception {
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("mirror-ca");
        String pem = Files.readString(ca.writeCertificate(dir.resolve("ca.crt")));
        LocalCertificateAuthority.Issued node = ca.issueClient(dir.resolve("node-secret"), "tls", "nodes");
        Path certsD = dir.resolve("certs.d");
        Path users = Files.createDirectories(certsD.resolve("quay.io"));
        String theirs = "server = \"https://quay.example\"\n";
        Files.writeString(users.resolve("hosts.toml"), theirs);
        Path list = dir.resolve("registries.yaml");
        String cache = """
                  - id: infra/cache
                    hosts: ["cache.infra.svc:5000", "localhost:30500", "cache.example.com"]
                    ca: |
                %s
                    clientCertificate: %s
                    clientKey: %s
                    mirrors:
                      - {name: docker.io, server: "https://registry-1.docker.io"}
                      - {name: quay.io, server: "https://quay.io"}
                """.formatted(pem.indent(6).stripTrailing(), node.certificate(), node.key());
        String second = """
                  - id: team/other
                    hosts: ["other.example.com"]
                    ca: |
                %s
                    mirrors:
                      - {name: docker.io, server: "https://registry-1.docker.io"}
                      - {name: "../etc", server: "https://x.example"}
                """.formatted(pem.indent(6).stripTrailing());
        String third = """
                  - id: team/third
                    hosts: ["third.example.com"]
                    ca: |
                %s
                    mirrors:
                      - {name: docker.io, server: "https://registry-1.docker.io"}
                """.formatted(pem.indent(6).stripTrailing());
        Files.writeString(list, "registries:\n" + cache + second + third);

        TrustList trust = TrustSource.read(list);
        // A bad mirror spoils its entry (reported, id kept); a mirror another registry already has is dropped alone.
        assertEquals(List.of("infra/cache", "team/third"), trust.registries().stream().map(TrustedRegistry::id).toList());
        assertEquals(2, trust.skipped().size(), trust.skipped().toString());
        assertTrue(trust.skipped().get(0).toString().contains("registries[1].mirrors[1].name"),
                trust.skipped().toString());
        assertTrue(trust.skipped().get(1).toString().contains("registries[2].mirrors: upstream 'docker.io' is already"
                + " listed by infra/cache"), trust.skipped().toString());
        assertEquals(List.of(), trust.registries().get(1).mirrors());

        CertsDirectory certs = new CertsDirectory(certsD, CertsDirectory.Layout.CONTAINERD);
        certs.reconcile(trust.registries());
        Path hub = certsD.resolve("docker.io");
        assertEquals("""
                # Written by the Portcullis node agent for infra/cache (pull-through cache of docker.io); do not edit.
                server = "https://registry-1.docker.io"

                [host."https://localhost:30500"]
                  capabilities = ["pull", "resolve"]
                  ca = "ca.crt"
                  client = [["client.crt", "client.key"]]

                [host."https://cache.example.com"]
                  capabilities = ["pull", "resolve"]
                  ca = "ca.crt"
                  client = [["client.crt", "client.key"]]

                [host."https://cache.infra.svc:5000"]
                  capabilities = ["pull", "resolve"]
                  ca = "ca.crt"
                  client = [["client.crt", "client.key"]]
                """, Files.readString(hub.resolve("hosts.toml")));
        assertEquals(pem, Files.readString(hub.resolve("ca.crt")));
        assertEquals(Files.readString(node.key()), Files.readString(hub.resolve("client.key")));
        assertEquals(theirs, Files.readString(users.resolve("hosts.toml")), "a folder the agent did not write is left");
        assertFalse(Files.exists(users.resolve(CertsDirectory.MARKER)));

        // Docker's certs.d has no mirror files: only the registry's own names.
        Path dockerCerts = dir.resolve("docker-certs.d");
        new CertsDirectory(dockerCerts, CertsDirectory.Layout.DOCKER).reconcile(trust.registries());
        assertFalse(Files.exists(dockerCerts.resolve("docker.io")));
        assertTrue(Files.isDirectory(dockerCerts.resolve("cache.example.com")));

        // The mirror leaves the list: its folder goes, the registry's own folders stay.
        Files.writeString(list, "registries:\n" + cache.replace(
                "      - {name: docker.io, server: \"https://registry-1.docker.io\"}\n", ""));
        certs.reconcile(TrustSource.read(list).registries());
        assertFalse(Files.exists(hub));
        assertTrue(Files.exists(certsD.resolve("cache.example.com/hosts.toml")));
        assertEquals(theirs, Files.readString(users.resolve("hosts.toml")));
    }

    @Test
    void aMirrorThatIsNotAnHttpsServerIsReportedWithItsKey() throws Exception {
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("bad-mirror-ca");
        String pem = Files.readString(ca.writeCertificate(dir.resolve("ca.crt")));
        Path list = dir.resolve("registries.yaml");
        Files.writeString(list, """
                registries:
                  - id: infra/cache
                    hosts: ["cache.example.com"]
                    ca: |
                %s
                    mirrors:
                      - {name: docker.io, server: "http://registry-1.docker.io"}
                """.formatted(pem.indent(6).stripTrailing()));
        TrustList trust = TrustSource.read(list);
        assertEquals(List.of(), trust.registries());
        assertTrue(trust.skipped().get(0).toString().contains("registries[0].mirrors[0].server"),
                trust.skipped().toString());
    }

    private int agentOnce(Path source, Path certsD) throws Exception {
        try (RegistryProcess p = RegistryProcess.start(dir, List.of(), Map.of(), "node-agent", "--source",
                source.toString(), "--containerd", certsD.toString(), "--once")) {
            return p.waitForExit(Duration.ofSeconds(60));
        }
    }
}
