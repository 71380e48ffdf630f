package dev.portcullis.operator.tenancy;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names a user may give in {@code spec.host}: DNS-1123 host names with an optional port. They go
 * into the server certificate, the pull secrets and every node's containerd configuration, so a
 * name that is not the registry's own is refused before any of that is written.
 */
public final class RegistryHosts {

  /** DNS-1123 subdomain (lower case, no wildcard) and an optional port; the CRD carries it too. */
  public static final String PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$";
  /** 253 for the name, 6 for {@code :65535}. */
  public static final int MAX_LENGTH = 259;
  public static final int MAX_HOSTS = 16;

  private static final Pattern HOST = Pattern.compile(PATTERN);

  private RegistryHosts() {}

  /** Why {@code host} cannot be a registry's host, phrased for its author; empty when it can. */
  public static Optional<String> problem(String host) {
    if (host == null || host.isEmpty()) {
      return Optional.of("spec.host has an empty entry");
    }
    if (host.length() > MAX_LENGTH || !HOST.matcher(host).matches()) {
      return Optional.of("spec.host '" + host + "' is not a DNS-1123 host name with an optional"
          + " :port (lower case, no wildcard, no scheme or path)");
    }
    String name = name(host);
    String port = host.length() > name.length() ? host.substring(name.length() + 1) : null;
    if (name.length() > 253 || name.split("\\.", -1).length > 127
        || java.util.Arrays.stream(name.split("\\.")).anyMatch(l -> l.length() > 63)) {
      return Optional.of("spec.host '" + host + "' is longer than DNS allows");
    }
    if (port != null && (Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535)) {
      return Optional.of("spec.host '" + host + "' has a port outside 1-65535");
    }
    // the operator adds these itself, for the registry's own Service and NodePort: another
    // registry naming them would take over that registry's entries on the nodes
    if (name.equals("localhost") && port != null) {
      return Optional.of("spec.host '" + host + "': localhost with a port is added by the"
          + " operator for a NodePort Service (localhost:<nodePort>)");
    }
    if (name.endsWith(".svc") || name.contains(".svc.")) {
      return Optional.of("spec.host '" + host + "': cluster Service names are added by the"
          + " operator for the registry's own Service");
    }
    return Optional.empty();
  }

  /** The host without its port. */
  public static String name(String host) {
    int colon = host.lastIndexOf(':');
    return colon < 0 ? host : host.substring(0, colon);
  }

  /**
   * The form two hosts are compared in: lower case, and without {@code :443}, which clients treat
   * as the same registry as no port.
   */
  public static String normalized(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.endsWith(":443") ? h.substring(0, h.length() - 4) : h;
  }
}
