package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One receiver of the registry's events. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SchemaCustomizer(value = ListMapKeyedByName.class, input = "headers")
@SchemaCustomizer(value = ListMapKeyedByName.class, input = "headersFrom")
@ValidationRule(
    value = "self.url.startsWith('https://') || (has(self.insecure) && self.insecure)",
    message = "url is http: use an https URL, or set insecure: true to send events (and header"
        + " values) unencrypted")
@ValidationRule(
    value = "self.url.startsWith('https://') || (!has(self.caSecretRef)"
        + " && !has(self.clientCertificateSecretRef))",
    message = "caSecretRef and clientCertificateSecretRef need an https url")
@ValidationRule(
    value = "!has(self.headers) || !has(self.headersFrom)"
        + " || !self.headers.exists(h, self.headersFrom.exists(f, f.name == h.name))",
    message = "a header is named in both headers and headersFrom")
public class NotificationEndpointSpec {

  static final String DURATION = "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$";
  static final String HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";
  public static final int MAX_HEADERS = 16;

  @JsonPropertyDescription(
      "Unique name: labels the endpoint's metrics (registry_notifications_*{endpoint=NAME}), its"
          + " outbox and its health check notifications_NAME.")
  @Required
  @Size(max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  public String name;

  @JsonPropertyDescription(
      "Where events are POSTed. https unless insecure is true.")
  @Required
  @Size(max = 2048)
  @Pattern("^https?://[^\\s\"\\\\]+$")
  public String url;

  @JsonPropertyDescription(
      "Allow an http url: events and header values then travel unencrypted (e.g. to a receiver"
          + " in the same cluster). Off by default: an http url is refused.")
  @Default("false")
  public Boolean insecure;

  @JsonPropertyDescription("Headers sent with every delivery, with values kept in the spec: never"
      + " a secret (use headersFrom).")
  @Size(max = MAX_HEADERS)
  public List<Header> headers;

  @JsonPropertyDescription("Headers whose values come from Secrets of the registry's namespace"
      + " (e.g. Authorization), mounted into the registry pod as files, never in its config.")
  @Size(max = MAX_HEADERS)
  public List<HeaderFrom> headersFrom;

  @JsonPropertyDescription(
      "A Secret key (at least 16 bytes) under which every delivery is signed: header"
          + " X-Portcullis-Signature-256: sha256=HEX, the HMAC-SHA256 of the body.")
  public SecretKey signingSecretRef;

  @JsonPropertyDescription(
      "The CAs trusted for the endpoint's certificate (PEM, default key ca.crt); unset, the"
          + " JVM's public CAs.")
  public AuthSpec.SecretKeyRef caSecretRef;

  @JsonPropertyDescription(
      "A client certificate for mutual TLS with the endpoint: a kubernetes.io/tls Secret.")
  public ClientCertificateRef clientCertificateSecretRef;

  @JsonPropertyDescription("To connect, and for each read of the answer, a Go duration (default 1s).")
  @Default("1s")
  @Pattern(DURATION)
  @Size(max = 32)
  public String timeout;

  @JsonPropertyDescription("Failures in a row before backing off (default 10).")
  @Default("10")
  @Min(0)
  @Max(1000000)
  public Integer threshold;

  @JsonPropertyDescription(
      "First pause after the threshold, doubling per failure up to 1 minute, a Go duration"
          + " (default 1s).")
  @Default("1s")
  @Pattern(DURATION)
  @Size(max = 32)
  public String backoff;

  public Ignore ignore;

  @JsonPropertyDescription("distribution (Distribution's envelope, default) or cloudevents"
      + " (CloudEvents 1.0 structured JSON, one event per request).")
  @Default("distribution")
  public Format format;

  @JsonPropertyDescription(
      "Events that may wait in the outbox; beyond it new events are dropped, counted in"
          + " registry_notifications_dropped_total (default 10000).")
  @Default("10000")
  @Min(1)
  @Max(10000000)
  public Integer backlog;

  @JsonPropertyDescription("Keep the endpoint in the spec but send it nothing.")
  @Default("false")
  public Boolean disabled;

  /** The registry's words for the envelope. */
  public enum Format { distribution, cloudevents }

  /** The registry's event actions. */
  public enum Action { push, pull, mount, delete }

  /** A header with its value in the spec. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Header {
    @Required
    @Size(max = 128)
    @Pattern(HEADER_NAME)
    public String name;

    @Required
    @Size(max = 1024)
    public String value;
  }

  /** A header whose value is a Secret's key. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HeaderFrom {
    @Required
    @Size(max = 128)
    @Pattern(HEADER_NAME)
    public String name;

    @Required
    public SecretKey secretKeyRef;
  }

  /** A key of a Secret in the registry's namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretKey {
    @Required
    @Size(max = 253)
    public String name;

    @Required
    @Size(max = 253)
    public String key;
  }

  /** A kubernetes.io/tls Secret. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClientCertificateRef {
    @Required
    @Size(max = 253)
    public String name;

    @JsonPropertyDescription("Key of the PEM certificate chain (default tls.crt).")
    @Default("tls.crt")
    @Size(max = 253)
    public String certificateKey;

    @JsonPropertyDescription("Key of the PEM private key (default tls.key).")
    @Default("tls.key")
    @Size(max = 253)
    public String keyKey;

    public String effectiveCertificateKey() {
      return certificateKey == null ? "tls.crt" : certificateKey;
    }

    public String effectiveKeyKey() {
      return keyKey == null ? "tls.key" : keyKey;
    }
  }

  /** Events the endpoint does not want (and the outbox never stores). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Ignore {
    @JsonPropertyDescription("Target media types, e.g. application/octet-stream for blob events.")
    @Size(max = 32)
    public List<@Size(max = 255) String> mediaTypes;

    @JsonPropertyDescription("push, pull, mount, delete.")
    @Size(max = 4)
    public List<Action> actions;
  }

  public boolean effectiveInsecure() {
    return Boolean.TRUE.equals(insecure);
  }

  public boolean effectiveDisabled() {
    return Boolean.TRUE.equals(disabled);
  }

  public List<Header> effectiveHeaders() {
    return headers == null ? List.of() : headers;
  }

  public List<HeaderFrom> effectiveHeadersFrom() {
    return headersFrom == null ? List.of() : headersFrom;
  }
}
