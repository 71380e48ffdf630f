package dev.portcullis.registry.credentialprovider;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The registry host of an image reference, by the rule the kubelet and containerd apply. */
class ImageRegistryTest {
    @Test
    void theFirstComponentIsAHostOnlyWithADotAColonOrLocalhost() {
        assertEquals(Optional.of("registry.shop.example:5000"), ImageRegistry.of("registry.shop.example:5000/shop/web:1.4.2"));
        assertEquals(Optional.of("registry.shop.example"), ImageRegistry.of("Registry.Shop.Example/shop/web@sha256:" + "a".repeat(64)));
        assertEquals(Optional.of("localhost"), ImageRegistry.of("localhost/web"));
        assertEquals(Optional.of("127.0.0.1:5000"), ImageRegistry.of("127.0.0.1:5000/web"));
        assertEquals(Optional.empty(), ImageRegistry.of("shop/web:1"), "Docker Hub's shop/web");
        assertEquals(Optional.empty(), ImageRegistry.of("nginx"), "Docker Hub's library/nginx");
    }
}
