package dev.portcullis.registry.storage.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import dev.portcullis.registry.config.ConfigException;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The SDK clients for one {@link AzureSettings}. Nothing here talks to the store: a wrong key or an unreachable
 * endpoint shows on the first request (readiness), not as a failed start.
 */
final class AzureClients {
    /**
     * Three tries, backing off from half a second: a blip is absorbed, while an endpoint that is down fails a request
     * (and readiness) within seconds instead of the SDK's default of minutes. A try may take a minute: a 4 MiB block
     * over a slow link.
     */
    private static final RequestRetryOptions RETRIES = new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3,
            Duration.ofSeconds(60), Duration.ofMillis(500), Duration.ofSeconds(4), null);

    /**
     * The SDK logs each refused request at ERROR (with advice on debugging signatures) and a Netty version notice at
     * start; every failure already reaches the caller as one line naming the account and container (AzureFailures),
     * so the SDK's own lines would only repeat it, once per request. Held here: JUL keeps loggers weakly.
     */
    private static final Logger SDK_LOG = quiet(Logger.getLogger("com.azure"));

    final BlobServiceClient service;
    final BlobContainerClient container;

    AzureClients(AzureSettings settings) {
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder()
                .endpoint(settings.serviceUrl().toString())
                .retryOptions(RETRIES)
                // Never log requests: headers carry the Shared Key signature or a bearer token.
                .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE));
        AzureSettings.Credentials credentials = settings.credentials();
        if (credentials instanceof AzureSettings.Credentials.SharedKey k) {
            builder.credential(new StorageSharedKeyCredential(settings.accountName(), k.accountKey()));
        } else if (credentials instanceof AzureSettings.Credentials.ClientSecret c) {
            builder.credential(new ClientSecretCredentialBuilder().tenantId(c.tenantId()).clientId(c.clientId())
                    .clientSecret(c.secret()).build());
        } else if (credentials instanceof AzureSettings.Credentials.WorkloadIdentity w) {
            builder.credential(workloadIdentity(w));
        } else {
            builder.credential(new DefaultAzureCredentialBuilder().build());
        }
        this.service = builder.buildClient();
        this.container = service.getBlobContainerClient(settings.container());
    }

    private static Logger quiet(Logger logger) {
        logger.setLevel(Level.OFF);
        return logger;
    }

    /** AKS's webhook sets AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE; the config may name others. */
    private static TokenCredential workloadIdentity(AzureSettings.Credentials.WorkloadIdentity w) {
        WorkloadIdentityCredentialBuilder b = new WorkloadIdentityCredentialBuilder();
        w.clientId().ifPresent(b::clientId);
        w.tenantId().ifPresent(b::tenantId);
        try {
            return b.build();
        } catch (RuntimeException e) {
            // The builder refuses at once when the pod was not given an identity; say what is missing, in one line.
            throw new ConfigException(AzureSettings.PREFIX + "credentials.type", "workload_identity needs"
                    + " AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE (the pod's service account must"
                    + " carry azure.workload.identity/client-id and the pod the label azure.workload.identity/use: \"true\"): "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
    }
}
