package dev.portcullis.registry.tls;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * Watches the TLS files and swaps the server's certificate when they change: new handshakes get the new certificate,
 * connections already open finish with the old one, and nothing restarts. Polling the content (not file events) is
 * what survives the kubelet's {@code ..data} symlink swap, which changes no watched inode in place.
 */
public final class CertificateReloader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CertificateReloader.class.getName());

    private final Vertx vertx;
    private final HttpServer server;
    private final TlsOptionsFactory factory;
    private final AtomicReference<TlsOptionsFactory.Material> current;
    private final long timerId;

    public CertificateReloader(Vertx vertx, HttpServer server, TlsOptionsFactory factory,
                               TlsOptionsFactory.Material loaded, long intervalMillis) {
        this.vertx = vertx;
        this.server = server;
        this.factory = factory;
        this.current = new AtomicReference<>(loaded);
        this.timerId = vertx.setPeriodic(intervalMillis, id -> check());
    }

    private void check() {
        // Unchanged bytes (nearly every check) cost two small reads and a digest: nothing is parsed or verified.
        vertx.<TlsOptionsFactory.Material>executeBlocking(() -> {
            TlsOptionsFactory.FileContents files = factory.readFiles();
            return files.fingerprint().equals(current.get().fingerprint()) ? null : factory.material(files);
        }, false).onComplete(read -> {
            if (read.failed()) {
                // Mid-swap or briefly missing: keep serving the old certificate and look again next time.
                LOG.fine(() -> "TLS files not readable yet: " + read.cause().getMessage());
                return;
            }
            TlsOptionsFactory.Material next = read.result();
            if (next == null) {
                return;
            }
            server.updateSSLOptions(factory.options(next), true).onComplete(updated -> {
                if (updated.succeeded()) {
                    current.set(next);
                    LOG.info("TLS certificate reloaded: serial " + next.leaf().getSerialNumber().toString(16)
                            + ", subject " + next.leaf().getSubjectX500Principal().getName()
                            + ", valid until " + next.leaf().getNotAfter().toInstant());
                } else {
                    // A certificate that does not match its key (half-written pair): keep the old one.
                    LOG.warning("TLS files changed but could not be used, keeping the current certificate: "
                            + updated.cause().getMessage());
                }
            });
        });
    }

    public java.security.cert.X509Certificate currentCertificate() {
        return current.get().leaf();
    }

    /** The client CAs ({@code http.tls.clientcas}) in use now; empty when none are configured. */
    public java.util.List<java.security.cert.X509Certificate> currentClientCas() {
        return current.get().clientCas().stream().flatMap(pem -> TlsOptionsFactory.parse(pem).stream()).toList();
    }

    @Override
    public void close() {
        vertx.cancelTimer(timerId);
    }
}
