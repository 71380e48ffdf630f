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
import dev.portcullis.registry.testsupport.RegistryProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.tls.LocalCertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node agent, run as its own process against a folder standing for {@code /etc/containerd/certs.d}, writes what a
 * real containerd then uses to pull from a mutual-TLS registry; it removes only what it wrote, and survives restarts.
 */
class NodeAgentTest {
    @TempDir
    Path dir;

    @Test
    void containerdPullsThroughWhatTheAgentWroteAndStaleEntriesGo() throws Exception {
        RequiredTool.SKOPEO.require();
        RequiredTool.CONTAINERD.require();
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("node-ca");
        Path caFile = ca.writeCertificate(dir.resolve("pki/ca.crt"));
        LocalCertificateAuthority.Issued server = ca.issueServer(dir.resolve("pki"), "server");
        LocalCertificateAuthority.Issued node = ca.issueClient(dir.resolve("node-secret"), "tls", "nodes");
        LocalCertificateAuthority.Issued pusher = ca.issueClient(dir.resolve("pki"), "pusher", "ci");

        try (RunningRegistry registry = RunningRegistry.start(dir.resolve("registry"), """
                  tls:
                    certificate: %s
                    key: %s
                    clientcas: [%s]
                """.formatted(server.certificate(), server.key(), caFile))) {
            Path certDir = Files.createDirectories(dir.resolve("skopeo-certs"));
            Files.copy(caFile, certDir.resolve("ca.crt"));
            Files.copy(pusher.certificate(), certDir.resolve("client.cert"));
            Files.copy(pusher.key(), certDir.resolve("client.key"));
            RegistryTarget target = new RegistryTarget(registry.hostPort(), "https", Optional.empty(), certDir,
                    caFile, pusher.certificate(), pusher.key());
            OciImage image = OciImages.create(dir.resolve("image"), 2, 0.5, 11);
            Skopeo.create(dir.resolve("skopeo")).copy(new Skopeo.OciDir(image.dir(), "latest"),
                    new Skopeo.Remote(target, "node/app:v1"), "--preserve-digests");

            Path source = Files.createDirectories(dir.resolve("source"));
            Path certsD = dir.resolve("certs.d");
            Path dockerCerts = dir.resolve("docker-certs.d");
            Path userEntry = Files.createDirectories(certsD.resolve("mirror.example.com"));
            Files.writeString(userEntry.resolve("hosts.toml"), "server = \"https://mirror.example.com\"\n");
            Files.writeString(source.resolve("registries.yaml"), """
                    registries:
                      - id: team-a/registry
                        hosts: ["%s"]
                        ca: |
                    %s
                        clientCertificate: %s
                        clientKey: %s
                    """.formatted(registry.hostPort(), Files.readString(caFile).indent(6).stripTrailing(),
                    node.certificate(), node.key()));

            assertEquals(0, agentOnce(source, certsD, dockerCerts));
            Path entry = certsD.resolve(registry.hostPort());
            String hostsToml = Files.readString(entry.resolve("hosts.toml"));
            assertTrue(hostsToml.contains("server = \"https://" + registry.hostPort() + "\""), hostsToml);
            // relative to the entry's folder: the agent's mount point of certs.d is not the node's path to it
            assertTrue(hostsToml.contains("ca = \"ca.crt\""), hostsToml);
            assertTrue(hostsToml.contains("client = [[\"client.crt\", \"client.key\"]]"), hostsToml);
            assertFalse(hostsToml.contains(certsD.toString()), hostsToml);
            assertEquals(Files.readString(node.key()), Files.readString(entry.resolve("client.key")));
            assertTrue(Files.exists(dockerCerts.resolve(registry.hostPort()).resolve("client.cert")), "Docker's layout");

            try (ContainerdNode containerd = ContainerdNode.start()) {
                String ref = registry.hostPort() + "/node/app:v1";
                containerd.pull(ref, certsD);
                assertEquals(image.manifestDigest(), containerd.imageDigest(ref));
            }

            Files.writeString(source.resolve("registries.yaml"), "registries: []\n");
            assertEquals(0, agentOnce(source, certsD, dockerCerts));
            assertFalse(Files.exists(entry), "the deleted registry's entry is gone");
            assertTrue(Files.exists(userEntry.resolve("hosts.toml")), "entries the agent did not write are left alone");
        }
    }

    @Test
    void runningAgentPicksUpRenewalsAndKeepsFilesOnSigterm() throws Exception {
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("renew-ca");
        Path source = Files.createDirectories(dir.resolve("source"));
        Path certsD = dir.resolve("certs.d");
        String yaml = """
                registries:
                  - id: ns/reg
                    hosts: ["reg.ns.svc:5000", "registry.example.com"]
                    ca: |
                %s
                """;
        Files.writeString(source.resolve("registries.yaml"), yaml.formatted(
                LocalCertificateAuthority.pem(ca.certificate()).indent(6).stripTrailing()));
        try (RegistryProcess agent = RegistryProcess.start(dir, List.of(), Map.of(), "node-agent", "--source",
                source.toString(), "--containerd", certsD.toString(), "--interval", "200ms")) {
            awaitFile(certsD.resolve("registry.example.com/ca.crt"), LocalCertificateAuthority.pem(ca.certificate()));
            assertTrue(Files.exists(certsD.resolve("reg.ns.svc:5000/hosts.toml")));
            LocalCertificateAuthority renewed = LocalCertificateAuthority.create("renew-ca-2");
            Files.writeString(source.resolve("registries.yaml"), yaml.formatted(
                    LocalCertificateAuthority.pem(renewed.certificate()).indent(6).stripTrailing()));
            awaitFile(certsD.resolve("registry.example.com/ca.crt"), LocalCertificateAuthority.pem(renewed.certificate()));
            assertEquals(0, agent.terminate(Duration.ofSeconds(20)), agent.output());
        }
        assertTrue(Files.exists(certsD.resolve("reg.ns.svc:5000/hosts.toml")), "a stopped agent leaves nodes trusting");
    }

    @Test
    void badListsAreOneLineAndChangeNothing() throws Exception {
        Path source = Files.createDirectories(dir.resolve("source"));
        Files.writeString(source.resolve("registries.yaml"), "registries:\n  - id: x\n    hosts: [\"../../etc\"]\n    ca: x\n");
        Path certsD = dir.resolve("certs.d");
        assertEquals(1, agentOnce(source, certsD, null));
        assertFalse(Files.exists(certsD.resolve("../../etc/hosts.toml")));
        try (RegistryProcess p = RegistryProcess.start(dir, List.of(), Map.of(), "node-agent", "--bogus")) {
            assertEquals(2, p.waitForExit(Duration.ofSeconds(30)));
            assertTrue(p.output().startsWith("node-agent: --bogus: unknown option"), p.output());
        }
    }

    /**
     * One malformed entry (issue 25): it is skipped and named in the log, its folders stay as they were, and every
     * other registry's trust is still applied; an entry claiming a host an earlier one lists is skipped the same way.
     */
    @Test
    void aBadEntryIsSkippedAndReportedAndTheOthersApplied() throws Exception {
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("entries-ca");
        String pem = LocalCertificateAuthority.pem(ca.certificate()).indent(6).stripTrailing();
        Path source = Files.createDirectories(dir.resolve("source"));
        Path certsD = dir.resolve("certs.d");
        String entry = """
                  - id: %s
                    hosts: [%s]
                    ca: |
                %s
                """;
        Files.writeString(source.resolve("registries.yaml"), "registries:\n"
                + entry.formatted("team-a/reg", "\"a.example.com\"", pem)
                + entry.formatted("team-b/reg", "\"b.example.com\"", pem));
        assertEquals(0, agentOnce(source, certsD, null));
        assertTrue(Files.exists(certsD.resolve("b.example.com/hosts.toml")));

        LocalCertificateAuthority renewed = LocalCertificateAuthority.create("entries-ca-2");
        String renewedPem = LocalCertificateAuthority.pem(renewed.certificate()).indent(6).stripTrailing();
        Files.writeString(source.resolve("registries.yaml"), "registries:\n"
                + entry.formatted("team-a/reg", "\"a.example.com\", \"new.example.com\"", renewedPem)
                + entry.formatted("team-b/reg", "\"b.example.com\", \"../../etc\"", pem)
                + entry.formatted("team-c/reg", "\"a.example.com\"", pem)
                + "  - just a string\n");
        try (RegistryProcess p = RegistryProcess.start(dir, List.of(), Map.of(), "node-agent", "--source",
                source.toString(), "--containerd", certsD.toString(), "--once")) {
            assertEquals(1, p.waitForExit(Duration.ofSeconds(60)), "a skipped entry is reported: " + p.output());
            assertTrue(p.output().contains("skipped registries[1] (team-b/reg): registries[1].hosts: '../../etc' is not"
                    + " a host or host:port"), p.output());
            assertTrue(p.output().contains("skipped registries[2] (team-c/reg): host 'a.example.com' is already listed"
                    + " by team-a/reg"), p.output());
            assertTrue(p.output().contains("skipped registries[3]: registries[3]: must be a mapping"), p.output());
        }
        assertEquals(LocalCertificateAuthority.pem(renewed.certificate()),
                Files.readString(certsD.resolve("a.example.com/ca.crt")), "the good entry is applied");
        assertTrue(Files.exists(certsD.resolve("new.example.com/hosts.toml")), "the good entry is applied");
        assertEquals("team-a/reg\n", Files.readString(certsD.resolve("a.example.com/" + CertsDirectory.MARKER)));
        assertTrue(Files.exists(certsD.resolve("b.example.com/hosts.toml")), "the skipped entry keeps what it had");
        assertFalse(Files.exists(certsD.resolve("../../etc/hosts.toml")));

        Files.writeString(source.resolve("registries.yaml"), "registries:\n"
                + entry.formatted("team-a/reg", "\"a.example.com\"", renewedPem));
        assertEquals(0, agentOnce(source, certsD, null));
        assertFalse(Files.exists(certsD.resolve("b.example.com")), "a registry that left the list is removed");
    }

    private int agentOnce(Path source, Path certsD, Path dockerCerts) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("node-agent", "--source", source.toString(),
                "--containerd", certsD.toString(), "--once"));
        if (dockerCerts != null) {
            args.addAll(List.of("--docker", dockerCerts.toString()));
        }
        try (RegistryProcess p = RegistryProcess.start(dir, List.of(), Map.of(), args.toArray(String[]::new))) {
            return p.waitForExit(Duration.ofSeconds(60));
        }
    }

    private static void awaitFile(Path file, String content) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!(Files.exists(file) && Files.readString(file).equals(content))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(file + " never got the expected content");
            }
            Thread.sleep(100);
        }
    }
}
