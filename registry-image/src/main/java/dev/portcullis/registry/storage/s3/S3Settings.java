package dev.portcullis.registry.storage.s3;

import dev.portcullis.registry.config.ConfigException;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The {@code storage.s3} parameters, with CNCF Distribution's names and defaults. Credentials come from
 * {@code accesskey}/{@code secretkey} or, when those are absent, from the AWS default chain ({@code AWS_ACCESS_KEY_ID},
 * profiles, web identity, instance roles). {@link #toString()} never shows a secret.
 */
public record S3Settings(String bucket, String region, Optional<URI> endpoint, boolean forcePathStyle,
                         Optional<String> accessKey, Optional<String> secretKey, Optional<String> sessionToken,
                         String rootDirectory, long chunkSize, long multipartCopyChunkSize,
                         long multipartCopyThresholdSize, boolean encrypt, Optional<String> keyId,
                         Optional<String> storageClass, Optional<String> objectAcl, boolean redirectDisabled) {
    private static final Logger LOG = Logger.getLogger(S3Settings.class.getName());

    public static final long MIB = 1024L * 1024;
    /** S3's smallest part but the last. */
    public static final long MIN_CHUNK_SIZE = 5 * MIB;
    /** S3's largest part. */
    public static final long MAX_CHUNK_SIZE = 5L * 1024 * MIB;
    public static final long DEFAULT_CHUNK_SIZE = 10 * MIB;
    public static final long DEFAULT_COPY_CHUNK_SIZE = 32 * MIB;
    public static final long DEFAULT_COPY_THRESHOLD = 32 * MIB;

    /** Keys Distribution knows; those we accept but do not act on are listed in {@link #ACCEPTED_IGNORED}. */
    private static final Set<String> KNOWN = Set.of("accesskey", "secretkey", "sessiontoken", "region", "regionendpoint",
            "forcepathstyle", "bucket", "rootdirectory", "secure", "skipverify", "v4auth", "chunksize",
            "multipartcopychunksize", "multipartcopymaxconcurrency", "multipartcopythresholdsize", "encrypt", "keyid",
            "storageclass", "objectacl", "useragent", "usedualstack", "accelerate", "loglevel");
    private static final Set<String> ACCEPTED_IGNORED = Set.of("skipverify", "v4auth", "multipartcopymaxconcurrency",
            "useragent", "usedualstack", "accelerate", "loglevel");

    public static S3Settings from(Map<String, Object> params, boolean redirectDisabled) {
        for (String key : params.keySet()) {
            String k = key.toLowerCase(Locale.ROOT);
            if (!KNOWN.contains(k)) {
                throw new ConfigException("storage.s3." + key, "unknown key");
            }
            if (ACCEPTED_IGNORED.contains(k) && truthy(params.get(key))) {
                LOG.info("storage.s3." + k + " is accepted for compatibility and has no effect here");
            }
        }
        String bucket = string(params, "bucket").filter(s -> !s.isBlank())
                .orElseThrow(() -> new ConfigException("storage.s3.bucket", "missing"));
        Optional<String> rawEndpoint = string(params, "regionendpoint").filter(s -> !s.isBlank());
        String region = string(params, "region").filter(s -> !s.isBlank()).orElse(null);
        if (region == null) {
            if (rawEndpoint.isEmpty()) {
                throw new ConfigException("storage.s3.region", "missing");
            }
            region = "us-east-1";
        }
        boolean secure = bool(params, "secure", true);
        Optional<URI> endpoint = rawEndpoint.map(e -> {
            String withScheme = e.contains("://") ? e : (secure ? "https://" : "http://") + e;
            try {
                URI uri = URI.create(withScheme);
                if (uri.getHost() == null) {
                    throw new IllegalArgumentException("no host");
                }
                return uri;
            } catch (IllegalArgumentException bad) {
                throw new ConfigException("storage.s3.regionendpoint", "not a URL: " + bad.getMessage());
            }
        });
        Optional<String> accessKey = string(params, "accesskey").filter(s -> !s.isEmpty());
        Optional<String> secretKey = string(params, "secretkey").filter(s -> !s.isEmpty());
        if (accessKey.isPresent() != secretKey.isPresent()) {
            throw new ConfigException(accessKey.isPresent() ? "storage.s3.secretkey" : "storage.s3.accesskey",
                    "missing: accesskey and secretkey go together (or leave both out for the AWS default credentials)");
        }
        long chunk = size(params, "chunksize", DEFAULT_CHUNK_SIZE);
        if (chunk < MIN_CHUNK_SIZE || chunk > MAX_CHUNK_SIZE) {
            throw new ConfigException("storage.s3.chunksize", "must be between " + MIN_CHUNK_SIZE + " and " + MAX_CHUNK_SIZE);
        }
        long copyChunk = size(params, "multipartcopychunksize", DEFAULT_COPY_CHUNK_SIZE);
        if (copyChunk < MIN_CHUNK_SIZE || copyChunk > MAX_CHUNK_SIZE) {
            throw new ConfigException("storage.s3.multipartcopychunksize", "must be between " + MIN_CHUNK_SIZE + " and "
                    + MAX_CHUNK_SIZE);
        }
        long copyThreshold = size(params, "multipartcopythresholdsize", DEFAULT_COPY_THRESHOLD);
        if (copyThreshold < 0 || copyThreshold > MAX_CHUNK_SIZE) {
            throw new ConfigException("storage.s3.multipartcopythresholdsize", "must be between 0 and " + MAX_CHUNK_SIZE);
        }
        String root = string(params, "rootdirectory").orElse("").replaceAll("^/+|/+$", "");
        if (root.contains("//") || root.contains("..")) {
            throw new ConfigException("storage.s3.rootdirectory", "must be a plain path");
        }
        Optional<String> storageClass = string(params, "storageclass").filter(s -> !s.isBlank())
                .map(s -> s.toUpperCase(Locale.ROOT)).filter(s -> !s.equals("NONE"));
        Optional<String> acl = string(params, "objectacl").filter(s -> !s.isBlank() && !s.equals("private"));
        return new S3Settings(bucket, region, endpoint, bool(params, "forcepathstyle", false), accessKey, secretKey,
                string(params, "sessiontoken").filter(s -> !s.isEmpty()), root, chunk, copyChunk, copyThreshold,
                bool(params, "encrypt", false), string(params, "keyid").filter(s -> !s.isBlank()), storageClass, acl,
                redirectDisabled);
    }

    /** The bucket-relative prefix under which Distribution's {@code docker/registry/v2} tree lives. */
    public String v2Prefix() {
        return (rootDirectory.isEmpty() ? "" : rootDirectory + "/") + "docker/registry/v2/";
    }

    private static Optional<String> string(Map<String, Object> params, String key) {
        Object v = lookup(params, key);
        return v == null ? Optional.empty() : Optional.of(String.valueOf(v).trim());
    }

    private static Object lookup(Map<String, Object> params, String key) {
        for (Map.Entry<String, Object> e : params.entrySet()) {
            if (e.getKey().equalsIgnoreCase(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static boolean truthy(Object v) {
        return v != null && !String.valueOf(v).equalsIgnoreCase("false") && !String.valueOf(v).isEmpty();
    }

    private static boolean bool(Map<String, Object> params, String key, boolean dflt) {
        Object v = lookup(params, key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new ConfigException("storage.s3." + key, "not a boolean: " + s);
        };
    }

    private static long size(Map<String, Object> params, String key, long dflt) {
        Object v = lookup(params, key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("storage.s3." + key, "not a number of bytes: " + v);
        }
    }

    @Override
    public String toString() {
        return "S3Settings[bucket=" + bucket + ", region=" + region + ", endpoint=" + endpoint.map(URI::toString).orElse("(AWS)")
                + ", forcePathStyle=" + forcePathStyle + ", rootDirectory=" + rootDirectory + ", chunkSize=" + chunkSize
                + ", credentials=" + (accessKey.isPresent() ? "static" : "default chain") + "]";
    }
}
