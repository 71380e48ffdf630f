package dev.portcullis.registry.storage.azure;

import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.models.UserDelegationKey;
import com.azure.storage.blob.sas.BlobSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.common.sas.SasProtocol;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * Read-only, time-limited blob URLs for redirecting pulls to the store. With the account key they are service SAS
 * URLs signed locally; with an Entra ID identity (workload identity, client secret, default chain) they are user
 * delegation SAS URLs, signed with a key the store issues for a day and that is asked for again before it runs out.
 */
final class AzureRedirects {
    private static final Duration DELEGATION_KEY_LIFETIME = Duration.ofHours(24);
    /** A URL signed with a key is valid only while the key is: take a new key well before. */
    private static final Duration DELEGATION_KEY_RENEWAL = Duration.ofHours(2);
    /** Clocks of the store and of this process may differ by a little. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private final BlobServiceClient service;
    private final boolean sharedKey;
    private final SasProtocol protocol;
    private UserDelegationKey delegationKey;
    private OffsetDateTime delegationKeyExpiry = OffsetDateTime.MIN;

    AzureRedirects(BlobServiceClient service, AzureSettings settings) {
        this.service = service;
        this.sharedKey = settings.credentials() instanceof AzureSettings.Credentials.SharedKey;
        // Over HTTPS only, unless the store itself is plain HTTP (an emulator on loopback).
        this.protocol = "https".equals(settings.serviceUrl().getScheme()) ? SasProtocol.HTTPS_ONLY : SasProtocol.HTTPS_HTTP;
    }

    URI signedUrl(BlobClient blob, Duration validity) {
        OffsetDateTime now = OffsetDateTime.now();
        BlobServiceSasSignatureValues values = new BlobServiceSasSignatureValues(now.plus(validity),
                new BlobSasPermission().setReadPermission(true))
                .setStartTime(now.minus(CLOCK_SKEW))
                .setProtocol(protocol);
        String sas = sharedKey ? blob.generateSas(values) : blob.generateUserDelegationSas(values, delegationKey(now));
        return URI.create(blob.getBlobUrl() + "?" + sas);
    }

    private synchronized UserDelegationKey delegationKey(OffsetDateTime now) {
        if (delegationKey == null || now.plus(DELEGATION_KEY_RENEWAL).isAfter(delegationKeyExpiry)) {
            OffsetDateTime expiry = now.plus(DELEGATION_KEY_LIFETIME);
            delegationKey = service.getUserDelegationKey(now.minus(CLOCK_SKEW), expiry);
            delegationKeyExpiry = expiry;
        }
        return delegationKey;
    }
}
