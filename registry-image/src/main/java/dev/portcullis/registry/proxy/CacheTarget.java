package dev.portcullis.registry.proxy;

/**
 * Where a pull of a cached repository goes.
 *
 * @param localRepository  the name the content is stored under in this registry
 * @param remoteRepository the name the upstream knows it by
 */
public record CacheTarget(UpstreamSettings upstream, String localRepository, String remoteRepository) {
}
