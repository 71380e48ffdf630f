package dev.portcullis.registry.nodeagent;

/**
 * A public registry a Portcullis registry caches, which the node should pull through it: {@code name} is the registry
 * as containerd names it in an image reference ({@code docker.io}) and its certs.d folder, {@code server} the URL
 * containerd falls back to when the cache does not answer ({@code https://registry-1.docker.io}).
 */
public record MirroredUpstream(String name, String server) {
}
