package dev.portcullis.registry.api;

import java.io.IOException;

/** The client's request body broke off or stalled: the client's problem, not the storage's. */
final class ClientBodyException extends IOException {
    ClientBodyException(String message, Throwable cause) {
        super(message, cause);
    }
}
