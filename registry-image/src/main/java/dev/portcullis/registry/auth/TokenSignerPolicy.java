package dev.portcullis.registry.auth;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Whether a certificate may sign registry tokens. Chaining to the bundle is not enough: the CA that issues token
 * signers often issues TLS certificates too (their keys sit in pods and on nodes), and any of those could otherwise
 * mint tokens. A signer must therefore look like one: no TLS extended key usage, not a CA, and digitalSignature when
 * keyUsage is present. A certificate pinned in the bundle itself (Distribution's documented layout) was chosen by
 * the administrator, so only the keyUsage and the {@code auth.token.signers} names apply to it.
 */
public final class TokenSignerPolicy {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    private final Set<String> signers;

    /** {@code signers}: the accepted subject CNs / DNS or URI SANs; empty accepts any name. */
    public TokenSignerPolicy(Set<String> signers) {
        this.signers = Set.copyOf(signers);
    }

    /** Refuses with the precise reason, or returns when {@code cert} may sign tokens. */
    public void check(X509Certificate cert, boolean pinned) throws TokenVerifier.Invalid {
        String who = describe(cert);
        boolean[] keyUsage = cert.getKeyUsage();
        if (keyUsage != null && !keyUsage[0]) {
            throw new TokenVerifier.Invalid("signing certificate " + who + " is not for signatures (keyUsage lacks digitalSignature)");
        }
        if (!pinned) {
            for (String usage : extendedKeyUsage(cert, who)) {
                if (usage.equals(SERVER_AUTH) || usage.equals(CLIENT_AUTH) || usage.equals(ANY_USAGE)) {
                    throw new TokenVerifier.Invalid("signing certificate " + who + " is a TLS certificate (extended key usage "
                            + name(usage) + "), not a token signer; pin it in auth.token.rootcertbundle if it really is one");
                }
            }
            if (cert.getBasicConstraints() >= 0) {
                throw new TokenVerifier.Invalid("signing certificate " + who + " is a CA certificate, not a token signer");
            }
        }
        if (!signers.isEmpty() && names(cert).stream().noneMatch(signers::contains)) {
            throw new TokenVerifier.Invalid("signing certificate " + who + " is not one of auth.token.signers");
        }
    }

    /** The subject CN and the DNS and URI SANs: the names {@code auth.token.signers} may list. */
    static List<String> names(X509Certificate cert) {
        List<String> names = new java.util.ArrayList<>();
        ClientCertificateIdentity.commonName(cert).ifPresent(names::add);
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.get(0) instanceof Integer type && (type == SAN_DNS || type == SAN_URI)
                            && san.get(1) instanceof String value) {
                        names.add(value);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A malformed SAN extension names nothing; the CN still counts.
        }
        return names;
    }

    private static List<String> extendedKeyUsage(X509Certificate cert, String who) throws TokenVerifier.Invalid {
        try {
            List<String> usages = cert.getExtendedKeyUsage();
            return usages == null ? List.of() : usages;
        } catch (CertificateParsingException e) {
            throw new TokenVerifier.Invalid("signing certificate " + who + " has a malformed extended key usage");
        }
    }

    private static String name(String oid) {
        return switch (oid) {
            case SERVER_AUTH -> "serverAuth";
            case CLIENT_AUTH -> "clientAuth";
            default -> "anyExtendedKeyUsage";
        };
    }

    /** Subject and serial: enough to find the certificate, and nothing secret. */
    static String describe(X509Certificate cert) {
        return "\"" + cert.getSubjectX500Principal().getName() + "\" (serial " + cert.getSerialNumber().toString(16) + ")";
    }
}
