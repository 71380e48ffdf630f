package dev.portcullis.registry.auth;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Names a request by its verified client certificate (mutual TLS) when no other scheme named it, so the access log and
 * the operator see who pushed. The TLS handshake already refused certificates that do not chain to a client CA.
 */
public final class ClientCertificateIdentity implements Authorizer {
    private final Authorizer delegate;

    public ClientCertificateIdentity(Authorizer delegate) {
        this.delegate = delegate;
    }

    @Override
    public Future<Identity> authorize(RoutingContext ctx, List<Access> needed) {
        return delegate.authorize(ctx, needed).map(identity -> identity == Identity.ANONYMOUS
                ? subject(ctx).map(s -> new Identity(s, "client-certificate")).orElse(identity) : identity);
    }

    static Optional<String> subject(RoutingContext ctx) {
        if (!ctx.request().isSSL()) {
            return Optional.empty();
        }
        try {
            List<Certificate> chain = ctx.request().connection().peerCertificates();
            if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
                return Optional.empty();
            }
            return Optional.of(commonName(leaf).orElse(leaf.getSubjectX500Principal().getName()));
        } catch (SSLPeerUnverifiedException noCertificate) {
            return Optional.empty();
        }
    }

    static Optional<String> commonName(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(String.valueOf(rdn.getValue()));
                }
            }
        } catch (javax.naming.InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
