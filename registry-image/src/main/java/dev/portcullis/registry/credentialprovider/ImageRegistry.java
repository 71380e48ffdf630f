package dev.portcullis.registry.credentialprovider;

import java.util.Locale;
import java.util.Optional;

/**
 * The registry host (with its port, if any) an image reference names, by the Docker reference grammar the kubelet
 * and containerd use: the first path component is a host only when it has a '.', a ':' or is {@code localhost};
 * otherwise the image is on Docker Hub.
 */
final class ImageRegistry {
    private ImageRegistry() {
    }

    static Optional<String> of(String image) {
        int slash = image.indexOf('/');
        if (slash <= 0) {
            return Optional.empty();
        }
        String first = image.substring(0, slash);
        if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
            return Optional.of(first.toLowerCase(Locale.ROOT));
        }
        return Optional.empty();
    }
}
