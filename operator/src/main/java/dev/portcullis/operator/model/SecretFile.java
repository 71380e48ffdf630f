package dev.portcullis.operator.model;

/**
 * A Secret key a pod reads as a file: the Secret and key it comes from, the file's name in its
 * folder, and the spec field that asks for it (to name in a problem about it).
 */
public record SecretFile(String secret, String key, String path, String field) {}
