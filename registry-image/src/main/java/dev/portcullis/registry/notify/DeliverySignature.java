package dev.portcullis.registry.notify;

import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The header that lets a receiver check a delivery came from this registry and was not altered:
 * {@code X-Portcullis-Signature-256: sha256=HEX}, HEX the HMAC-SHA256 of the exact request body under the endpoint's
 * {@code signingsecretfile}. Receivers compare in constant time (docs/registry-config.md shows how).
 */
public final class DeliverySignature {
    public static final String HEADER = "X-Portcullis-Signature-256";

    private DeliverySignature() {}

    public static String of(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
