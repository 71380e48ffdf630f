package dev.portcullis.registry.storage.azure;

import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import dev.portcullis.registry.oci.ErrorCode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.NoSuchFileException;

/**
 * Turns the SDK's exceptions into the driver contract's: a missing blob is a {@link NoSuchFileException}, a store that
 * is busy is {@code UNAVAILABLE} (the client retries), anything else an {@link IOException} of one line naming the
 * account and container. The SDK's own messages are multi-line XML dumps; only the status and error code are kept,
 * and nothing from a request (no header, no query) appears, so no credential can leak.
 */
final class AzureFailures {
    private final String location;
    private final URI serviceUrl;

    AzureFailures(AzureSettings settings) {
        this.location = settings.location();
        this.serviceUrl = settings.serviceUrl();
    }

    static boolean blobNotFound(RuntimeException e) {
        return e instanceof BlobStorageException b && b.getStatusCode() == 404
                && !BlobErrorCode.CONTAINER_NOT_FOUND.equals(b.getErrorCode());
    }

    static boolean conditionFailed(RuntimeException e) {
        return e instanceof BlobStorageException b && (b.getStatusCode() == 412 || b.getStatusCode() == 409);
    }

    /** The contract's exception for {@code e}, which happened while doing {@code what} to {@code path}. */
    IOException translate(String what, String path, RuntimeException e) {
        if (blobNotFound(e)) {
            return new NoSuchFileException(path);
        }
        if (e instanceof BlobStorageException b && (b.getStatusCode() == 429 || b.getStatusCode() >= 500)) {
            throw ErrorCode.UNAVAILABLE.exception(location + " is busy (" + b.getStatusCode() + " " + b.getErrorCode()
                    + "); retry");
        }
        return new IOException(location + ": " + what + " " + path + ": " + reason(e), e);
    }

    /** Why a request failed, as an operator would act on it. */
    String reason(RuntimeException e) {
        if (e instanceof BlobStorageException b) {
            int status = b.getStatusCode();
            String code = b.getErrorCode() == null ? "" : " " + b.getErrorCode();
            if (status == 403) {
                return "refused (" + status + code + "): check the account key or the identity's role"
                        + " (Storage Blob Data Contributor)";
            }
            if (BlobErrorCode.CONTAINER_NOT_FOUND.equals(b.getErrorCode())) {
                return "the container does not exist (" + status + code + "): create it";
            }
            return status + code;
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String detail = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage().lines().findFirst().orElse("");
        boolean network = root instanceof IOException || root instanceof java.util.concurrent.TimeoutException;
        return (network ? "unreachable at " + serviceUrl : "failed") + " (" + detail + ")";
    }
}
