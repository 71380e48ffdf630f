/**
 * The {@code credential-provider} command: a kubelet image credential provider plugin
 * ({@code credentialprovider.kubelet.k8s.io/v1}) that hands the pod's own ServiceAccount token (KEP-4412) to the
 * container runtime as the registry password, so pods pull as themselves with no pull secrets.
 */
package dev.portcullis.registry.credentialprovider;
