package dev.portcullis.registry.oci;

import java.util.regex.Pattern;

/** Tag grammar of the spec: at most 128 characters, no leading dot or dash. */
public final class Tag {
    private static final Pattern GRAMMAR = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

    private Tag() {}

    public static boolean isValid(String tag) {
        return tag != null && GRAMMAR.matcher(tag).matches();
    }

    public static String require(String tag) {
        if (!isValid(tag)) {
            throw ErrorCode.MANIFEST_INVALID.exception("invalid tag");
        }
        return tag;
    }
}
