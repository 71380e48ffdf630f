package dev.portcullis.operator.model;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.ExposeSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The CRD's CEL rules on {@code spec.expose}, again in the operator: for objects stored before
 * the rules existed, and for API servers that do not evaluate CEL.
 */
public final class ExposeCheck {

  private ExposeCheck() {}

  public static List<Problem> problems(SecureRegistry r) {
    ExposeSpec e = r.getSpec().expose;
    var out = new ArrayList<Problem>();
    if (e == null) {
      return out;
    }
    if (e.ingress != null && e.gateway != null) {
      out.add(problem("expose takes one of ingress or gateway"));
    }
    var mode = r.getSpec().effectiveTls().effectiveMode();
    if (mode == TlsSpec.Mode.Disabled) {
      out.add(problem("expose needs TLS: the ingress or gateway passes TLS through or"
          + " re-encrypts to it"));
    }
    if (e.ingress != null && e.ingress.effectiveTls() == ExposeSpec.IngressTls.Reencrypt
        && mode == TlsSpec.Mode.MutualTLS) {
      out.add(problem("expose.ingress.tls Reencrypt ends the client's TLS at the ingress, so"
          + " MutualTLS never sees a client certificate: use Passthrough"));
    }
    if (e.gateway != null && e.gateway.effectiveMode() == ExposeSpec.GatewayMode.BackendTLS
        && mode == TlsSpec.Mode.MutualTLS) {
      out.add(problem("expose.gateway.mode BackendTLS ends the client's TLS at the Gateway, so"
          + " MutualTLS never sees a client certificate: use TLSPassthrough"));
    }
    if (e.tokenHost() != null) {
      var managed = r.getSpec().effectiveAuth().managedToken();
      if (managed == null || managed.realm != null) {
        out.add(problem("expose tokenHost needs the managed token issuer, and replaces"
            + " auth.token.managed.realm: set one of them"));
      }
      if (e.tokenHost().equals(e.host())) {
        out.add(problem("expose tokenHost must differ from expose host"));
      }
    }
    return out;
  }

  private static Problem problem(String message) {
    return new Problem(ConditionTypes.CERTIFICATES_READY, "InvalidExpose", message);
  }
}
