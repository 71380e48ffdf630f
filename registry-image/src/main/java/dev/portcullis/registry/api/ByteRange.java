package dev.portcullis.registry.api;

import dev.portcullis.registry.oci.ErrorCode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A single {@code Range: bytes=...} request against content of a known size (RFC 9110 section 14). */
record ByteRange(long start, long end) {
    private static final Pattern SPEC = Pattern.compile("bytes=(\\d*)-(\\d*)");

    long length() {
        return end - start + 1;
    }

    String contentRange(long size) {
        return "bytes " + start + "-" + end + "/" + size;
    }

    /** Null for no Range header; 416 for one we cannot satisfy or read. */
    static ByteRange parse(String header, long size) {
        if (header == null || header.isBlank()) {
            return null;
        }
        Matcher m = SPEC.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            throw unsatisfiable(size, "unsupported Range header; use a single bytes=START-END");
        }
        try {
            long start;
            long end;
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                if (suffix == 0) {
                    throw unsatisfiable(size, "empty suffix range");
                }
                start = Math.max(0, size - suffix);
                end = size - 1;
            } else {
                start = Long.parseLong(m.group(1));
                end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            }
            if (start >= size || start > end) {
                throw unsatisfiable(size, "range outside the blob's " + size + " bytes");
            }
            return new ByteRange(start, end);
        } catch (NumberFormatException e) {
            throw unsatisfiable(size, "range numbers too large");
        }
    }

    private static dev.portcullis.registry.oci.RegistryException unsatisfiable(long size, String detail) {
        // The spec has no code for this; SIZE_INVALID is the closest, the 416 and Content-Range say the rest.
        return ErrorCode.SIZE_INVALID.exception("requested range not satisfiable: " + detail).withStatus(416)
                .withHeader("Content-Range", "bytes */" + size);
    }
}
