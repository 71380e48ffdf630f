package dev.portcullis.registry.tls;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.TlsSettings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Builds the server's TLS options from the files {@code http.tls} names. The files are read into memory (not passed by
 * path) so that options built after a renewal differ from the old ones and Vert.x really swaps them.
 */
public final class TlsOptionsFactory {
    private final TlsSettings settings;

    public TlsOptionsFactory(TlsSettings settings) {
        this.settings = settings;
    }

    /**
     * What the server presents now: the files' bytes, read once, so a reload sees a consistent pair, and the key and
     * chain parsed from them, which the TLS engine gets as they are (see {@link SingleCertificateKeyManager}).
     */
    public record Material(byte[] certificate, byte[] key, List<byte[]> clientCas, String fingerprint,
                           List<X509Certificate> chain, PrivateKey privateKey) {
        public X509Certificate leaf() {
            return chain.get(0);
        }
    }

    /** The files' bytes as they are now and their fingerprint: what a reload compares before it parses anything. */
    public record FileContents(byte[] certificate, byte[] key, List<byte[]> clientCas, String fingerprint) {}

    public FileContents readFiles() throws IOException {
        byte[] cert = Files.readAllBytes(settings.certificate());
        byte[] key = Files.readAllBytes(settings.key());
        List<byte[]> cas = new ArrayList<>();
        for (Path ca : settings.clientCas()) {
            cas.add(Files.readAllBytes(ca));
        }
        MessageDigest md = sha256();
        md.update(cert);
        md.update(key);
        cas.forEach(md::update);
        return new FileContents(cert, key, List.copyOf(cas), HexFormat.of().formatHex(md.digest()));
    }

    /** Parses the files' contents and checks that the key belongs to the certificate. */
    public Material material(FileContents files) throws IOException {
        List<X509Certificate> chain = certificates(files.certificate());
        PrivateKey privateKey = PemKeys.privateKey(files.key());
        if (!PemKeys.matches(chain.get(0), privateKey)) {
            // Typical in the middle of a non-atomic renewal: the new certificate beside the old key.
            throw new IOException("the key in " + settings.key() + " does not belong to the certificate in "
                    + settings.certificate());
        }
        return new Material(files.certificate(), files.key(), files.clientCas(), files.fingerprint(),
                List.copyOf(chain), privateKey);
    }

    public Material read() throws IOException {
        return material(readFiles());
    }

    public ServerSSLOptions options(Material m) {
        ServerSSLOptions o = new ServerSSLOptions()
                .setKeyCertOptions(KeyCertOptions.wrap(new SingleCertificateKeyManager(m.privateKey(), m.chain())))
                .setEnabledSecureTransportProtocols(settings.minimumTls().equals("tls1.3")
                        ? Set.of("TLSv1.3") : Set.of("TLSv1.2", "TLSv1.3"))
                .setUseAlpn(true);
        for (String suite : settings.cipherSuites()) {
            o.addEnabledCipherSuite(suite);
        }
        if (!m.clientCas().isEmpty()) {
            PemTrustOptions trust = new PemTrustOptions();
            m.clientCas().forEach(ca -> trust.addCertValue(Buffer.buffer(ca)));
            o.setTrustOptions(trust);
        }
        o.setClientAuth(switch (settings.clientAuth()) {
            case NONE -> ClientAuth.NONE;
            case VERIFY_IF_GIVEN -> ClientAuth.REQUEST;
            case REQUIRE -> ClientAuth.REQUIRED;
        });
        return o;
    }

    /** Turns TLS on in the server's start-up options with what {@link #options} would give a running server. */
    public void applyTo(io.vertx.core.http.HttpServerOptions http, Material m) {
        ServerSSLOptions o = options(m);
        http.setSsl(true)
                .setKeyCertOptions(o.getKeyCertOptions())
                .setTrustOptions(o.getTrustOptions())
                .setClientAuth(o.getClientAuth())
                .setEnabledSecureTransportProtocols(o.getEnabledSecureTransportProtocols())
                .setUseAlpn(o.isUseAlpn());
        o.getEnabledCipherSuites().forEach(http::addEnabledCipherSuite);
        if (io.netty.handler.ssl.OpenSsl.isAvailable()) {
            http.setSslEngineOptions(new io.vertx.core.net.OpenSSLEngineOptions());
        }
    }

    /** Reads and checks the files at start-up: a broken certificate is a config error, not a failed handshake later. */
    public Material readForStartup() {
        try {
            Material m = read();
            for (int i = 0; i < m.clientCas().size(); i++) {
                if (parse(m.clientCas().get(i)).isEmpty()) {
                    throw new ConfigException("http.tls.clientcas", settings.clientCas().get(i) + " holds no PEM certificate");
                }
            }
            return m;
        } catch (IOException e) {
            throw new ConfigException("http.tls.certificate", "cannot read the certificate or key: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("http.tls.certificate", settings.certificate() + ": " + e.getMessage());
        }
    }

    private static List<X509Certificate> certificates(byte[] pem) {
        List<X509Certificate> certs = parse(pem);
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate found");
        }
        return certs;
    }

    static List<X509Certificate> parse(byte[] pem) {
        try {
            Collection<? extends java.security.cert.Certificate> all = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new java.io.ByteArrayInputStream(pem));
            List<X509Certificate> out = new ArrayList<>();
            for (var c : all) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (java.security.cert.CertificateException e) {
            return List.of();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
