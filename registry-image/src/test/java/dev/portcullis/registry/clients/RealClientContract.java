package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What real clients expect of a registry: skopeo pushes, pulls, inspects, lists, copies and deletes; containerd pulls
 * through hosts.toml as a cluster node does. A registry passes when every test here passes against it.
 *
 * <p>To run the contract against a registry, extend this class and return how to reach it from {@link #registry()};
 * start it in {@code @BeforeEach} (or {@code @BeforeAll}) and stop it afterwards. Every test uses its own repository
 * names, so one registry may serve the whole class.
 */
public abstract class RealClientContract {
    /** How clients reach the registry under test; called after the subclass's {@code @BeforeEach}. */
    protected abstract RegistryTarget registry();

    /** Whether hosts.toml should say {@code skip_verify = true} (only for a TLS registry whose CA we cannot give). */
    protected boolean hostsTomlSkipVerify() {
        return false;
    }

    /** How skopeo gets the credentials, if the registry needs any. */
    protected Skopeo.CredentialMode skopeoCredentialMode() {
        return Skopeo.CredentialMode.CREDS_FLAG;
    }

    @TempDir
    protected Path work;

    protected Skopeo skopeo;

    @BeforeEach
    void setUpClients() {
        skopeo = Skopeo.create(work.resolve("skopeo"), skopeoCredentialMode());
    }

    // ---- skopeo ----

    @Test
    void skopeoPushesAndPullsBackByteIdenticalBlobs() throws IOException {
        OciImage image = OciImages.create(work.resolve("src"), 3, 1, 11);
        push(image, "contract/roundtrip:v1");

        Path back = work.resolve("back");
        skopeo.copy(remote("contract/roundtrip:v1"), new Skopeo.OciDir(back, "v1"), "--preserve-digests");
        OciImage pulled = OciImage.read(back);

        assertEquals(image.manifestDigest(), pulled.manifestDigest(), "manifest digest after the round trip");
        assertEquals(image.layerDigests(), pulled.layerDigests(), "layer digests, in order");
        assertEquals(image.configDigest(), pulled.configDigest(), "config digest");
        for (String digest : image.allDigests()) {
            assertEquals(-1L, Files.mismatch(image.blob(digest), pulled.blob(digest)), "bytes of blob " + digest);
        }
    }

    @Test
    void skopeoInspectReturnsThePushedManifestDigest() {
        OciImage image = OciImages.create(work.resolve("src"), 2, 0.5, 12);
        push(image, "contract/inspect:v1");

        assertEquals(image.manifestDigest(), skopeo.inspectDigest(registry(), "contract/inspect:v1"), "digest by tag");
        String raw = skopeo.inspectRaw(registry(), "contract/inspect:v1");
        assertEquals(image.manifestDigest(), sha256(raw.getBytes(StandardCharsets.UTF_8)),
                "the registry must serve the manifest bytes that were pushed");
        List<String> layers = new ArrayList<>();
        Skopeo.parse(raw).path("layers").forEach(l -> layers.add(l.path("digest").asText()));
        assertEquals(image.layerDigests(), layers, "layers in the served manifest");
        assertEquals(image.manifestDigest(),
                skopeo.inspectDigest(registry(), "contract/inspect@" + image.manifestDigest()), "digest by digest");
    }

    @Test
    void skopeoListsEveryPushedTag() {
        OciImage image = OciImages.create(work.resolve("src"), 1, 0.25, 13);
        for (String tag : List.of("v1", "v2", "latest")) {
            push(image, "contract/tags:" + tag);
        }
        push(image, "contract/othertags:elsewhere");

        List<String> tags = new ArrayList<>(skopeo.listTags(registry(), "contract/tags"));
        tags.sort(null);
        assertEquals(List.of("latest", "v1", "v2"), tags, "tags of contract/tags (and only those)");
        assertEquals(List.of("elsewhere"), skopeo.listTags(registry(), "contract/othertags"));
    }

    @Test
    void skopeoCopiesBetweenRepositoriesByMountingBlobs() {
        OciImage image = OciImages.create(work.resolve("src"), 3, 0.5, 14);
        push(image, "contract/mount-from:v1");

        // --debug is the only place skopeo says whether it mounted or uploaded each blob.
        Exec.Result copy = skopeo.copy(remote("contract/mount-from:v1"), remote("contract/mount-to:v1"),
                "--preserve-digests", "--debug");

        for (String layer : image.layerDigests()) {
            String hex = layer.substring("sha256:".length());
            assertTrue(copy.output().contains("mount=sha256%3A" + hex),
                    "skopeo should have asked to mount " + layer + " from contract/mount-from:\n" + copy.describe());
            assertTrue(copy.output().contains("Skipping blob " + layer + " (already present)"),
                    "the registry should have mounted " + layer + " (201), not asked for an upload:\n" + copy.describe());
        }
        assertEquals(image.manifestDigest(), skopeo.inspectDigest(registry(), "contract/mount-to:v1"));
        assertEquals(image.manifestDigest(), skopeo.inspectDigest(registry(), "contract/mount-from:v1"),
                "the source must be unchanged");
    }

    @Test
    void skopeoDeleteMakesTheManifestUnknown() {
        OciImage image = OciImages.create(work.resolve("src"), 1, 0.25, 15);
        push(image, "contract/delete:v1");
        assertEquals(image.manifestDigest(), skopeo.inspectDigest(registry(), "contract/delete:v1"));

        skopeo.delete(registry(), "contract/delete:v1");

        assertManifestUnknown("contract/delete:v1");
        assertManifestUnknown("contract/delete@" + image.manifestDigest());
        assertManifestUnknown("contract/delete:never-pushed");
    }

    // ---- containerd ----

    @Test
    void containerdPullsThroughHostsTomlWithExactDigests() {
        OciImage image = OciImages.create(work.resolve("src"), 3, 1, 16);
        push(image, "contract/node:v1");
        Path hostsDir = HostsToml.write(work.resolve("certs.d"), registry(), hostsTomlSkipVerify());
        // An alias that resolves nowhere: the pull only works if containerd read its hosts.toml (for a plain-HTTP
        // loopback registry ctr would find the registry even without one).
        String alias = "registry.portcullis.test";
        HostsToml.writeAlias(hostsDir, alias, registry(), hostsTomlSkipVerify());

        try (ContainerdNode node = ContainerdNode.start()) {
            String ref = registry().ref("contract/node:v1");
            node.pull(ref, hostsDir, registry().credentials());
            assertEquals(image.manifestDigest(), node.imageDigest(ref), "ctr images ls");
            assertTrue(node.contentDigests().containsAll(image.allDigests()),
                    "ctr content ls should hold manifest, config and every layer: " + node.contentDigests());
            assertTrue(node.completeAndUnpacked(ref), "ctr images check: complete and unpacked");

            String aliasRef = alias + "/contract/node:v1";
            node.pull(aliasRef, hostsDir, registry().credentials());
            assertEquals(image.manifestDigest(), node.imageDigest(aliasRef), "pulled through the alias hosts.toml");
        }
    }

    // ---- size and concurrency ----

    @Test
    void largeLayerSurvivesPushAndPull() throws IOException {
        OciImage image = OciImages.create(work.resolve("src"), 1, 64, 17);
        String layer = image.layerDigests().get(0);
        assertTrue(Files.size(image.blob(layer)) > 64L * 1024 * 1024, "random data does not compress");
        push(image, "contract/large:v1");

        Path back = work.resolve("back");
        skopeo.copy(remote("contract/large:v1"), new Skopeo.OciDir(back, "v1"), "--preserve-digests");
        assertEquals(-1L, Files.mismatch(image.blob(layer), OciImage.read(back).blob(layer)), "64 MiB layer via skopeo");

        try (ContainerdNode node = ContainerdNode.start()) {
            String ref = registry().ref("contract/large:v1");
            node.pull(ref, HostsToml.write(work.resolve("certs.d"), registry(), hostsTomlSkipVerify()),
                    registry().credentials());
            assertEquals(image.manifestDigest(), node.imageDigest(ref));
            assertTrue(node.completeAndUnpacked(ref), "ctr images check: complete and unpacked");
            Path exported = work.resolve("layer-from-containerd");
            node.exportBlob(layer, exported);
            assertEquals(-1L, Files.mismatch(image.blob(layer), exported), "64 MiB layer via containerd");
        }
    }

    @Test
    void concurrentPushesOfTheSameImageToTheSameTagAllSucceed() throws Exception {
        OciImage image = OciImages.create(work.resolve("src"), 3, 2, 18);
        int clients = 3;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Exec.Result>> pushes = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Callable<Exec.Result> push = () -> {
                    start.await();
                    return skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"), remote("contract/race:v1"),
                            "--preserve-digests");
                };
                pushes.add(pool.submit(push));
            }
            start.countDown();
            for (Future<Exec.Result> f : pushes) {
                f.get(Skopeo.DEFAULT_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS); // rethrows a failed push
            }
        } finally {
            pool.shutdownNow();
        }

        assertEquals(image.manifestDigest(), skopeo.inspectDigest(registry(), "contract/race:v1"));
        assertEquals(List.of("v1"), skopeo.listTags(registry(), "contract/race"));
        Path back = work.resolve("back");
        skopeo.copy(remote("contract/race:v1"), new Skopeo.OciDir(back, "v1"), "--preserve-digests");
        OciImage pulled = OciImage.read(back);
        for (String digest : image.allDigests()) {
            assertEquals(-1L, Files.mismatch(image.blob(digest), pulled.blob(digest)), "bytes of blob " + digest);
        }
    }

    // ---- helpers ----

    protected Skopeo.Remote remote(String repoRef) {
        return new Skopeo.Remote(registry(), repoRef);
    }

    /** skopeo copy oci:DIR:latest docker://REGISTRY/REPO:TAG, refusing any conversion that would change digests. */
    protected void push(OciImage image, String repoTag) {
        skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"), remote(repoTag), "--preserve-digests");
    }

    private void assertManifestUnknown(String repoRef) {
        Exec.Result r = skopeo.tryInspect(registry(), repoRef, "--raw");
        assertFalse(r.ok(), "inspect " + repoRef + " should fail:\n" + r.describe());
        assertTrue(r.output().toLowerCase(Locale.ROOT).contains("manifest unknown"),
                "the registry should answer MANIFEST_UNKNOWN for " + repoRef + ":\n" + r.describe());
    }

    protected static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
