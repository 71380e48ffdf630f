package dev.portcullis.operator.api;

/** The condition types of a SecureRegistry; Ready is true when all the others are. */
public final class ConditionTypes {
  public static final String READY = "Ready";
  public static final String CERTIFICATES_READY = "CertificatesReady";
  public static final String AUTH_READY = "AuthReady";
  public static final String STORAGE_READY = "StorageReady";
  public static final String AVAILABLE = "Available";

  private ConditionTypes() {}
}
