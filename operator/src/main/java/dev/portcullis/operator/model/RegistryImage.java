package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;

/**
 * The registry image a SecureRegistry runs: {@code spec.image}, else the operator's
 * PORTCULLIS_REGISTRY_IMAGE, else the image released with this operator version, so that an
 * operator upgrade upgrades the registries it runs.
 */
public final class RegistryImage {

  public static final String REPOSITORY = "ghcr.io/portcullis-dev/portcullis-registry";
  public static final String ENV_OVERRIDE = "PORTCULLIS_REGISTRY_IMAGE";
  /** Used when the classes do not come from the packaged jar (IDE, tests). */
  static final String FALLBACK_VERSION = "0.1.0-SNAPSHOT";

  private RegistryImage() {}

  public static String operatorVersion() {
    String v = RegistryImage.class.getPackage().getImplementationVersion();
    return v == null || v.isBlank() ? FALLBACK_VERSION : v;
  }

  public static String defaultImage() {
    String override = System.getenv(ENV_OVERRIDE);
    return override != null && !override.isBlank()
        ? override
        : REPOSITORY + ":" + operatorVersion();
  }

  public static String imageFor(SecureRegistry r) {
    String image = r.getSpec().image;
    return image != null && !image.isBlank() ? image : defaultImage();
  }
}
