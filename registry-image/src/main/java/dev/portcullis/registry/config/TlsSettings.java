package dev.portcullis.registry.config;

import java.nio.file.Path;
import java.util.List;

/** {@code http.tls}: the server certificate, and the client CAs that turn on mutual TLS. */
public record TlsSettings(Path certificate, Path key, List<Path> clientCas, ClientAuth clientAuth, String minimumTls,
                          List<String> cipherSuites) {

    /** How client certificates are treated; {@code http.tls.clientauth} is our key, Distribution always requires. */
    public enum ClientAuth { NONE, VERIFY_IF_GIVEN, REQUIRE }
}
