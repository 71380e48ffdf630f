package dev.portcullis.registry.storage;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.oci.Tag;
import java.util.Optional;

/**
 * Where the registry keeps what, as driver paths: CNCF Distribution's layout ({@code registry/storage/paths.go}), so
 * storage written by Distribution or by any earlier Portcullis is served as it is. Everything Portcullis adds lives in
 * names Distribution ignores ({@code _referrers}, {@code _locks}, {@code _scratch}, {@code mediatype} beside a revision
 * link).
 */
public final class RegistryPaths {
    public static final String V2 = "/docker/registry/v2";
    public static final String BLOBS = V2 + "/blobs";
    public static final String REPOSITORIES = V2 + "/repositories";
    static final String SCRATCH = V2 + "/_scratch";
    static final String LOCKS = V2 + "/_locks";

    private RegistryPaths() {}

    public static String blobData(Digest d) {
        return BLOBS + "/" + d.algorithm().id() + "/" + d.hex().substring(0, 2) + "/" + d.hex() + "/data";
    }

    public static String repository(RepositoryName name) {
        return REPOSITORIES + "/" + name.value();
    }

    public static String layers(RepositoryName name) {
        return repository(name) + "/_layers";
    }

    public static String layerLink(RepositoryName name, Digest d) {
        return layers(name) + "/" + d.algorithm().id() + "/" + d.hex() + "/link";
    }

    public static String manifests(RepositoryName name) {
        return repository(name) + "/_manifests";
    }

    public static String revisions(RepositoryName name) {
        return manifests(name) + "/revisions";
    }

    public static String revision(RepositoryName name, Digest d) {
        return revisions(name) + "/" + d.algorithm().id() + "/" + d.hex();
    }

    public static String tags(RepositoryName name) {
        return manifests(name) + "/tags";
    }

    public static String tag(RepositoryName name, String tag) {
        return tags(name) + "/" + Tag.require(tag);
    }

    public static String tagCurrentLink(RepositoryName name, String tag) {
        return tag(name, tag) + "/current/link";
    }

    public static String tagIndexLink(RepositoryName name, String tag, Digest d) {
        return tag(name, tag) + "/index/" + d.algorithm().id() + "/" + d.hex() + "/link";
    }

    public static String referrers(RepositoryName name, Digest subject) {
        return repository(name) + "/_referrers/" + subject.algorithm().id() + "/" + subject.hex();
    }

    public static String referrer(RepositoryName name, Digest subject, Digest referrer) {
        return referrers(name, subject) + "/" + referrer.algorithm().id() + "/" + referrer.hex();
    }

    public static String uploads(RepositoryName name) {
        return repository(name) + "/_uploads";
    }

    /** The caller has checked {@code id} (see {@code UploadSessions}): it becomes a path segment. */
    public static String upload(RepositoryName name, String id) {
        return uploads(name) + "/" + id;
    }

    public static String lock(String name) {
        return LOCKS + "/" + name;
    }

    /** {@code .../ALG/HEX/link} → the digest; empty for any other path. */
    public static Optional<Digest> digestOfLink(String path) {
        String[] parts = path.split("/");
        if (parts.length < 3 || !parts[parts.length - 1].equals("link")) {
            return Optional.empty();
        }
        return parseDigest(parts[parts.length - 3], parts[parts.length - 2]);
    }

    /** {@code /docker/registry/v2/blobs/ALG/XX/HEX/data} → the digest; empty for any other path. */
    public static Optional<Digest> digestOfBlobData(String path) {
        if (!path.startsWith(BLOBS + "/")) {
            return Optional.empty();
        }
        String[] parts = path.substring(BLOBS.length() + 1).split("/");
        if (parts.length != 4 || !parts[3].equals("data") || !parts[2].startsWith(parts[1])) {
            return Optional.empty();
        }
        return parseDigest(parts[0], parts[2]);
    }

    private static Optional<Digest> parseDigest(String algorithm, String hex) {
        try {
            return Optional.of(Digest.parse(algorithm + ":" + hex));
        } catch (dev.portcullis.registry.oci.RegistryException notADigest) {
            return Optional.empty();
        }
    }
}
