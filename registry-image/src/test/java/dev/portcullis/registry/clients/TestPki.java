package dev.portcullis.registry.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A throw-away CA with a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI, plus
 * the same files laid out the way skopeo's --cert-dir wants them ({@code ca.crt}, {@code client.cert},
 * {@code client.key}: skopeo takes *.crt as CAs and pairs *.cert with *.key as client certificates).
 */
public record TestPki(Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey, Path skopeoCertDir) {
    public static final RequiredTool OPENSSL = new RequiredTool(Path.of("/usr/bin/openssl"), "openssl");

    public static TestPki create(Path dir) {
        String openssl = OPENSSL.require();
        try {
            Files.createDirectories(dir);
            Path ca = dir.resolve("ca.crt");
            Path caKey = dir.resolve("ca.key");
            run(dir, openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", caKey.toString(), "-out", ca.toString(), "-subj", "/CN=portcullis-test-ca", "-days", "2");
            // Go (skopeo, containerd, Distribution) ignores the CN: the IP must be in subjectAltName.
            Path[] server = issue(dir, openssl, "server", "/CN=127.0.0.1",
                    "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
            Path[] client = issue(dir, openssl, "client", "/CN=portcullis-test-client", "extendedKeyUsage=clientAuth\n");
            Path skopeoDir = Files.createDirectories(dir.resolve("skopeo-certs"));
            Files.copy(ca, skopeoDir.resolve("ca.crt"));
            Files.copy(client[0], skopeoDir.resolve("client.cert"));
            Files.copy(client[1], skopeoDir.resolve("client.key"));
            return new TestPki(ca, server[0], server[1], client[0], client[1], skopeoDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns {cert, key} for a new key signed by the CA in {@code dir}. */
    private static Path[] issue(Path dir, String openssl, String name, String subject, String extensions) throws IOException {
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".crt");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, extensions);
        run(dir, openssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", csr.toString(), "-subj", subject);
        run(dir, openssl, "x509", "-req", "-in", csr.toString(), "-CA", dir.resolve("ca.crt").toString(),
                "-CAkey", dir.resolve("ca.key").toString(), "-CAcreateserial", "-out", cert.toString(), "-days", "2",
                "-extfile", ext.toString());
        return new Path[] {cert, key};
    }

    private static void run(Path dir, String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        Exec.run(cmd, Duration.ofSeconds(60), Set.of(), env -> env.put("RANDFILE", dir.resolve(".rnd").toString()))
                .orThrow();
    }
}
