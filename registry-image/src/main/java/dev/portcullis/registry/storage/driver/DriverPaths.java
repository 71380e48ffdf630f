package dev.portcullis.registry.storage.driver;

import java.util.regex.Pattern;

/** The path rule every {@link StorageDriver} shares, so a path that one driver accepts every driver accepts. */
public final class DriverPaths {
    /** Distribution's {@code PathRegexp}: absolute, segments of letters, digits, dot, dash and underscore. */
    private static final Pattern PATH = Pattern.compile("/|(/[A-Za-z0-9._-]+)+");

    private DriverPaths() {}

    /** {@code path} itself if it is a valid driver path; otherwise an {@link IllegalArgumentException} naming it. */
    public static String check(String path) {
        if (path == null || !PATH.matcher(path).matches() || path.contains("/../") || path.endsWith("/..")
                || path.contains("/./") || path.endsWith("/.")) {
            throw new IllegalArgumentException("invalid storage path " + path);
        }
        return path;
    }

    /** {@code parent + "/" + child}, for the root too. */
    public static String join(String parent, String child) {
        return parent.equals("/") ? "/" + child : parent + "/" + child;
    }

    /** The last segment of a path. */
    public static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
