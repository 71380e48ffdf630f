package dev.portcullis.registry.credentialprovider;

/**
 * A request or command line the plugin will not answer. The message is the one line the kubelet logs, so it must
 * never contain the ServiceAccount token.
 */
final class RefusedRequest extends Exception {
    private final int exitCode;

    RefusedRequest(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    static RefusedRequest badRequest(String message) {
        return new RefusedRequest(message, 1);
    }

    static RefusedRequest usage(String message) {
        return new RefusedRequest(message, 2);
    }

    int exitCode() {
        return exitCode;
    }
}
