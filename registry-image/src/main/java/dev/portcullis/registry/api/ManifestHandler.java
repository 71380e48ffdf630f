package dev.portcullis.registry.api;

import dev.portcullis.registry.gc.GcFence;
import dev.portcullis.registry.notify.Notifier;
import dev.portcullis.registry.oci.Descriptor;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.Manifest;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.oci.Tag;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StoredManifest;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code GET|HEAD|PUT|DELETE /v2/NAME/manifests/REFERENCE}, REFERENCE a tag or a digest. */
final class ManifestHandler {
    private final RegistryStorage storage;
    private final ApiSettings settings;
    private final Notifier events;

    ManifestHandler(RegistryStorage storage, ApiSettings settings, Notifier events) {
        this.storage = storage;
        this.settings = settings;
        this.events = events;
    }

    Reply get(RoutingContext ctx) throws IOException {
        RepositoryName repo = Params.repository(ctx);
        String reference = ctx.pathParam("reference");
        StoredManifest m = find(repo, reference)
                .orElseThrow(() -> ErrorCode.MANIFEST_UNKNOWN.exception("manifest " + shown(reference) + " not found"));
        events.manifestPulled(ctx, repo, m, Digest.looksLikeDigest(reference) ? null : reference);
        Reply reply = Reply.status(200)
                .header("Docker-Content-Digest", m.digest())
                .header("ETag", "\"" + m.digest() + "\"");
        if (ctx.request().method() == HttpMethod.HEAD) {
            return reply.header("Content-Type", m.mediaType()).headOnly(m.content().length);
        }
        return reply.body(m.content(), m.mediaType());
    }

    private Optional<StoredManifest> find(RepositoryName repo, String reference) throws IOException {
        if (Digest.looksLikeDigest(reference)) {
            return storage.manifest(repo, Digest.parse(reference));
        }
        if (!Tag.isValid(reference)) {
            return Optional.empty();
        }
        Optional<Digest> digest = storage.resolveTag(repo, reference);
        return digest.isEmpty() ? Optional.empty() : storage.manifest(repo, digest.get());
    }

    Reply put(RoutingContext ctx, RequestBodyStream body) throws IOException {
        RepositoryName repo = Params.repository(ctx);
        String reference = ctx.pathParam("reference");
        long declared = Params.contentLength(ctx);
        if (declared > settings.maxManifestBytes()) {
            throw tooLarge();
        }
        byte[] content = body.readNBytes((int) settings.maxManifestBytes() + 1);
        if (content.length > settings.maxManifestBytes()) {
            throw tooLarge();
        }
        if (body.failed()) {
            throw ErrorCode.MANIFEST_INVALID.exception("the request body was interrupted");
        }
        Manifest manifest = Manifest.parse(content, ctx.request().getHeader("Content-Type"));
        List<String> tags = new ArrayList<>();
        Digest digest;
        if (Digest.looksLikeDigest(reference)) {
            Digest claimed = Digest.parse(reference);
            digest = Digest.of(claimed.algorithm(), content);
            if (!digest.equals(claimed)) {
                throw ErrorCode.DIGEST_INVALID.exception("manifest content has digest " + digest);
            }
            for (String tag : ctx.queryParam("tag")) {
                if (!Tag.isValid(tag)) {
                    throw ErrorCode.MANIFEST_INVALID.exception("invalid tag " + shown(tag));
                }
                tags.add(tag);
            }
        } else {
            if (!Tag.isValid(reference)) {
                throw ErrorCode.MANIFEST_INVALID.exception("invalid tag " + shown(reference));
            }
            digest = Digest.sha256(content);
            tags.add(reference);
        }
        // The fence makes the existence checks and the store safe against an online garbage collector: see GcFence.
        List<Digest> referenced = new ArrayList<>();
        manifest.blobReferences().forEach(d -> referenced.add(d.digest()));
        manifest.manifests().forEach(d -> referenced.add(d.digest()));
        GcFence.protect(storage, repo, referenced);
        verifyReferences(repo, manifest);
        Optional<Digest> subject = manifest.subjectDescriptor().map(Descriptor::digest);
        StoredManifest stored = new StoredManifest(digest, manifest.mediaType(), content);
        GcFence.storeThenProbe(storage, digest, () -> storage.putManifest(repo, stored, tags, subject),
                () -> storage.manifest(repo, digest).isPresent());
        events.manifestPushed(ctx, repo, stored, tags);
        Reply reply = Reply.status(201)
                .header("Location", settings.location("/v2/" + repo + "/manifests/" + digest))
                .header("Docker-Content-Digest", digest)
                .header("Content-Length", 0);
        subject.ifPresent(s -> reply.header("OCI-Subject", s));
        return reply;
    }

    /** Every blob and child manifest the manifest names must already be in this repository. */
    private void verifyReferences(RepositoryName repo, Manifest manifest) throws IOException {
        for (Descriptor d : manifest.blobReferences()) {
            Optional<Long> size = storage.blobSize(repo, d.digest());
            if (size.isEmpty()) {
                throw ErrorCode.MANIFEST_BLOB_UNKNOWN.exception("blob " + d.digest() + " is not in " + repo);
            }
            if (size.get() != d.size()) {
                throw ErrorCode.MANIFEST_INVALID.exception("blob " + d.digest() + " has " + size.get()
                        + " bytes, the manifest says " + d.size());
            }
        }
        for (Descriptor d : manifest.manifests()) {
            if (storage.manifest(repo, d.digest()).isEmpty()) {
                throw ErrorCode.MANIFEST_BLOB_UNKNOWN.exception("manifest " + d.digest() + " is not in " + repo);
            }
        }
    }

    Reply delete(RoutingContext ctx) throws IOException {
        if (!settings.deleteEnabled()) {
            throw ErrorCode.UNSUPPORTED.exception("deletion is disabled (storage.delete.enabled)");
        }
        RepositoryName repo = Params.repository(ctx);
        String reference = ctx.pathParam("reference");
        if (!Digest.looksLikeDigest(reference)) {
            if (!Tag.isValid(reference) || !storage.deleteTag(repo, reference)) {
                throw ErrorCode.MANIFEST_UNKNOWN.exception("tag " + shown(reference) + " not found");
            }
            events.tagDeleted(ctx, repo, reference);
            return Reply.status(202);
        }
        Digest digest = Digest.parse(reference);
        StoredManifest m = storage.manifest(repo, digest)
                .orElseThrow(() -> ErrorCode.MANIFEST_UNKNOWN.exception("manifest " + digest + " not found"));
        Optional<Digest> subject;
        try {
            subject = Manifest.parse(m.content(), m.mediaType()).subjectDescriptor().map(Descriptor::digest);
        } catch (RegistryException unparsable) {
            subject = Optional.empty();
        }
        // The tags go with the manifest; Distribution sends a delete event for each, so they are read first.
        List<String> untagged = events.active() ? taggedWith(repo, digest) : List.of();
        storage.deleteManifest(repo, digest, subject);
        events.manifestDeleted(ctx, repo, digest, untagged);
        return Reply.status(202);
    }

    private List<String> taggedWith(RepositoryName repo, Digest digest) throws IOException {
        List<String> out = new ArrayList<>();
        for (String tag : storage.tags(repo).orElse(List.of())) {
            if (digest.equals(storage.resolveTag(repo, tag).orElse(null))) {
                out.add(tag);
            }
        }
        return out;
    }

    private RegistryException tooLarge() {
        return ErrorCode.SIZE_INVALID.exception("manifest larger than " + settings.maxManifestBytes() + " bytes")
                .withStatus(413);
    }

    private static String shown(String s) {
        return s.length() > 130 ? s.substring(0, 130) + "..." : s;
    }
}
