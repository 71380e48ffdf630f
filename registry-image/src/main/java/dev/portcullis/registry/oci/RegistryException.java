package dev.portcullis.registry.oci;

/**
 * A client-facing failure: it carries the spec's error code, so the API layer answers with the right status and
 * JSON body. Anything else that escapes a handler is our fault and becomes a 500 without details.
 */
public final class RegistryException extends RuntimeException {
    private final ErrorCode code;
    private final String detail;
    private final int status;
    private final java.util.Map<String, String> headers;

    public RegistryException(ErrorCode code, String detail) {
        this(code, detail, code.status(), java.util.Map.of());
    }

    public RegistryException(ErrorCode code, String detail, int status, java.util.Map<String, String> headers) {
        super(detail == null ? code.message() : code.message() + ": " + detail, null, false, false);
        this.code = code;
        this.detail = detail;
        this.status = status;
        this.headers = java.util.Map.copyOf(headers);
    }

    public ErrorCode code() {
        return code;
    }

    /** Human detail for the error body; never contains secrets. May be null. */
    public String detail() {
        return detail;
    }

    public int status() {
        return status;
    }

    /** Headers the answer must carry, such as an authentication challenge. */
    public java.util.Map<String, String> headers() {
        return headers;
    }

    /** The same error answered with another status, where the spec pairs one code with several statuses. */
    public RegistryException withStatus(int newStatus) {
        return new RegistryException(code, detail, newStatus, headers);
    }

    public RegistryException withHeader(String name, String value) {
        java.util.Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new RegistryException(code, detail, status, h);
    }
}
