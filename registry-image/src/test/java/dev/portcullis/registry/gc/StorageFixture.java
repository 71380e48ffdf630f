package dev.portcullis.registry.gc;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.driver.FilesystemDriver;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StoredManifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Writes repositories straight into a {@link DriverRegistryStorage}, and makes everything in it look old. */
final class StorageFixture {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

    final Path root;
    final DriverRegistryStorage storage;

    StorageFixture(Path root) throws IOException {
        this.root = root;
        this.storage = new DriverRegistryStorage(new FilesystemDriver(root));
    }

    static RepositoryName repo(String name) {
        return new RepositoryName(name);
    }

    Digest blob(String repo, String content) throws IOException {
        return blob(storage, repo, content.getBytes(StandardCharsets.UTF_8));
    }

    static Digest blob(RegistryStorage storage, String repo, byte[] content) throws IOException {
        var upload = storage.startUpload(repo(repo));
        storage.appendToUpload(repo(repo), upload.id(), 0, -1, new ByteArrayInputStream(content));
        Digest d = Digest.sha256(content);
        storage.commitUpload(repo(repo), upload.id(), d);
        return d;
    }

    long size(Digest d) throws IOException {
        return storage.allBlobs().stream().filter(b -> b.digest().equals(d)).findFirst().orElseThrow().size();
    }

    private String descriptor(String mediaType, Digest d) throws IOException {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + d + "\",\"size\":" + size(d) + "}";
    }

    /** An image manifest with a config and the given layers (blobs of {@code repo}), optionally tagged. */
    Digest image(String repo, String tag, Digest... layers) throws IOException {
        return image(repo, tag, (Digest) null, layers);
    }

    /** An untagged image manifest whose subject is {@code subject}. */
    Digest referrer(String repo, Digest subject, Digest... layers) throws IOException {
        return image(repo, null, subject, layers);
    }

    private Digest image(String repo, String tag, Digest subject, Digest[] layers) throws IOException {
        Digest config = blob(repo, "{\"os\":\"linux\",\"architecture\":\"amd64\",\"repo\":\"" + repo + "\"}");
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
                + descriptor("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            json.append(i == 0 ? "" : ",").append(descriptor("application/vnd.oci.image.layer.v1.tar", layers[i]));
        }
        json.append("]");
        if (subject != null) {
            json.append(",\"subject\":{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"" + subject
                    + "\",\"size\":" + size(subject) + "}");
        }
        json.append("}");
        return manifest(repo, tag, OCI_MANIFEST, json.toString(), Optional.ofNullable(subject));
    }

    Digest index(String repo, String tag, Digest... children) throws IOException {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[");
        for (int i = 0; i < children.length; i++) {
            json.append(i == 0 ? "" : ",").append(descriptor(OCI_MANIFEST, children[i]));
        }
        json.append("]}");
        return manifest(repo, tag, OCI_INDEX, json.toString(), Optional.empty());
    }

    private Digest manifest(String repo, String tag, String mediaType, String json, Optional<Digest> subject)
            throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256(bytes);
        storage.putManifest(repo(repo), new StoredManifest(d, mediaType, bytes), tag == null ? List.of() : List.of(tag),
                subject);
        return d;
    }

    boolean hasContent(Digest d) throws IOException {
        return storage.allBlobs().stream().anyMatch(b -> b.digest().equals(d));
    }

    boolean hasManifest(String repo, Digest d) throws IOException {
        return storage.manifest(repo(repo), d).isPresent();
    }

    boolean linked(String repo, Digest d) throws IOException {
        return storage.blobLinks(repo(repo)).stream().anyMatch(l -> l.digest().equals(d));
    }

    /** Sets every file's time {@code ago} into the past, as if it had all been written then. */
    void ageAll(Duration ago) throws IOException {
        FileTime old = FileTime.from(Instant.now().minus(ago));
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Files.setLastModifiedTime(p, old);
            }
        }
    }
}
