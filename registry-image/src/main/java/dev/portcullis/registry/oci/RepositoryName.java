package dev.portcullis.registry.oci;

import java.util.regex.Pattern;

/**
 * A repository name in the spec's grammar. Because every path component must start with a lower-case letter or digit,
 * no valid name can contain {@code ..}, an absolute path, or our storage's {@code _}-prefixed folders: the grammar
 * itself is what keeps a client inside the storage root.
 */
public record RepositoryName(String value) {
    /** Distribution's limit, which containerd and Docker also assume. */
    public static final int MAX_LENGTH = 255;

    private static final Pattern GRAMMAR = Pattern.compile(
            "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");

    public RepositoryName {
        if (!isValid(value)) {
            throw ErrorCode.NAME_INVALID.exception(describe(value));
        }
    }

    public static RepositoryName parse(String value) {
        return new RepositoryName(value);
    }

    public static boolean isValid(String value) {
        return value != null && !value.isEmpty() && value.length() <= MAX_LENGTH && GRAMMAR.matcher(value).matches();
    }

    private static String describe(String value) {
        if (value == null || value.isEmpty()) {
            return "repository name is empty";
        }
        if (value.length() > MAX_LENGTH) {
            return "repository name is longer than " + MAX_LENGTH + " characters";
        }
        String shown = value.length() > 100 ? value.substring(0, 100) + "..." : value;
        return "invalid repository name " + shown
                + ": lower-case letters, digits and separators (. _ __ -) in components separated by /";
    }

    @Override
    public String toString() {
        return value;
    }
}
