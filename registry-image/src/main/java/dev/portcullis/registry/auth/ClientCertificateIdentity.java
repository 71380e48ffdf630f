package dev.portcullis.registry.auth;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Names a request by its verified client certificate (mutual TLS) when no other scheme named it, so the access log and
 * the operator see who pushed. The TLS handshake already refused certificates that do not chain to a client CA.
 * Certificates whose common name is in {@code http.tls.pullonly} (our key) may only pull: the nodes' certificate sits
 * on every node, where anyone with root on one node could otherwise push to the registry every node pulls from.
 * A certificate without the clientAuth extended key usage is refused outright, whatever else the request carries: the
 * client CA may also issue certificates for other purposes (the token signer's has no EKU at all), and the TLS layer
 * accepts a certificate without EKU as fit for anything.
 */
public final class ClientCertificateIdentity implements Authorizer {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    private final Authorizer delegate;
    private final Set<String> pullOnly;

    public ClientCertificateIdentity(Authorizer delegate, Set<String> pullOnly) {
        this.delegate = delegate;
        this.pullOnly = Set.copyOf(pullOnly);
    }

    @Override
    public Future<Identity> authorize(RoutingContext ctx, List<Access> needed) {
        Optional<X509Certificate> presented = certificate(ctx);
        if (presented.isPresent() && !forClientAuthentication(presented.get())) {
            return Future.failedFuture(Challenges.denied("client certificate "
                    + TokenSignerPolicy.describe(presented.get()) + " is not for client authentication (no clientAuth extended key usage)"));
        }
        return delegate.authorize(ctx, needed).compose(identity -> {
            if (identity != Identity.ANONYMOUS) {
                return Future.succeededFuture(identity);
            }
            Optional<String> subject = presented.map(leaf -> commonName(leaf).orElse(leaf.getSubjectX500Principal().getName()));
            if (subject.isEmpty()) {
                return Future.succeededFuture(identity);
            }
            if (pullOnly.contains(subject.get()) && !needed.stream().allMatch(Access::pullOnly)) {
                return Future.failedFuture(Challenges.denied(subject.get() + " may only pull"));
            }
            return Future.succeededFuture(new Identity(subject.get(), "client-certificate"));
        });
    }

    static Optional<X509Certificate> certificate(RoutingContext ctx) {
        if (!ctx.request().isSSL()) {
            return Optional.empty();
        }
        try {
            List<Certificate> chain = ctx.request().connection().peerCertificates();
            if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
                return Optional.empty();
            }
            return Optional.of(leaf);
        } catch (SSLPeerUnverifiedException noCertificate) {
            return Optional.empty();
        }
    }

    /** Strictly the clientAuth purpose: a certificate without EKU is fit for anything, which is what must not pass. */
    static boolean forClientAuthentication(X509Certificate cert) {
        try {
            List<String> usages = cert.getExtendedKeyUsage();
            return usages != null && usages.contains(CLIENT_AUTH);
        } catch (java.security.cert.CertificateParsingException malformed) {
            return false;
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
