package dev.portcullis.operator.testsupport;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatusBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's authentication of ServiceAccount tokens, for the mock server: the TokenRequest
 * subresource ({@code kubectl create token}, a projected token) issues a token, and a TokenReview
 * answers for it as the API server would ({@code system:serviceaccount:NS:NAME}, its groups, the
 * audiences both sides name). Tokens are JWS-shaped strings with a projected token's claims (sub,
 * aud, iat, exp: what a kubelet credential provider reads) and a random signature; only this map
 * knows them, so a forged or foreign token is not authenticated.
 */
public final class ServiceAccountTokens {

  private static final Pattern TOKEN_REQUEST =
      Pattern.compile("/api/v1/namespaces/([^/]+)/serviceaccounts/([^/?]+)/token(\\?.*)?");
  private static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  private static final String DEFAULT_AUDIENCE = "https://kubernetes.default.svc";

  private record Issued(String namespace, String account, List<String> audiences) {}

  private final Map<String, Issued> tokens = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final KubernetesSerialization json = new KubernetesSerialization();

  /** The answer for a create request this class handles, or empty for any other path. */
  public Optional<MockResponse> handle(RecordedRequest request) {
    String path = request.getPath();
    Matcher m = TOKEN_REQUEST.matcher(path);
    if (m.matches()) {
      return Optional.of(issue(m.group(1), m.group(2), request.getBody().readUtf8()));
    }
    if (path.startsWith(TOKEN_REVIEWS)) {
      return Optional.of(review(request.getBody().readUtf8()));
    }
    return Optional.empty();
  }

  private MockResponse issue(String ns, String account, String body) {
    TokenRequest req = json.unmarshal(body, TokenRequest.class);
    List<String> audiences = req.getSpec() == null || req.getSpec().getAudiences() == null
        || req.getSpec().getAudiences().isEmpty() ? List.of(DEFAULT_AUDIENCE)
        : List.copyOf(req.getSpec().getAudiences());
    long seconds = req.getSpec() == null || req.getSpec().getExpirationSeconds() == null ? 3600
        : req.getSpec().getExpirationSeconds();
    String token = jwsShaped(ns, account, audiences, seconds);
    tokens.put(token, new Issued(ns, account, audiences));
    req.setStatus(new io.fabric8.kubernetes.api.model.authentication.TokenRequestStatus(
        Instant.now().plusSeconds(seconds).toString(), token));
    return new MockResponse().setResponseCode(201).setBody(json.asJson(req));
  }

  private MockResponse review(String body) {
    TokenReview review = json.unmarshal(body, TokenReview.class);
    String token = review.getSpec() == null ? null : review.getSpec().getToken();
    Issued issued = token == null ? null : tokens.get(token);
    var status = new TokenReviewStatusBuilder().withAuthenticated(false);
    if (issued != null) {
      List<String> wanted = review.getSpec().getAudiences() == null
          || review.getSpec().getAudiences().isEmpty() ? List.of(DEFAULT_AUDIENCE)
          : review.getSpec().getAudiences();
      List<String> common = new ArrayList<>(wanted);
      common.retainAll(issued.audiences());
      if (common.isEmpty()) {
        status.withError("token audiences " + issued.audiences() + " do not include " + wanted);
      } else {
        status.withAuthenticated(true).withAudiences(common).withNewUser()
            .withUsername("system:serviceaccount:" + issued.namespace() + ":" + issued.account())
            .withGroups("system:serviceaccounts", "system:serviceaccounts:" + issued.namespace(),
                "system:authenticated")
            .endUser();
      }
    }
    review.setStatus(status.build());
    return new MockResponse().setResponseCode(201).setBody(json.asJson(review));
  }

  private String jwsShaped(String ns, String account, List<String> audiences, long seconds) {
    var b64 = Base64.getUrlEncoder().withoutPadding();
    byte[] sig = new byte[32];
    random.nextBytes(sig);
    long now = Instant.now().getEpochSecond();
    var claims = new java.util.LinkedHashMap<String, Object>();
    claims.put("aud", audiences);
    claims.put("exp", now + seconds);
    claims.put("iat", now);
    claims.put("iss", "https://kubernetes.default.svc.cluster.local");
    claims.put("sub", "system:serviceaccount:" + ns + ":" + account);
    claims.put("jti", Long.toHexString(random.nextLong()));
    return b64.encodeToString("{\"alg\":\"RS256\",\"kid\":\"mock\"}".getBytes(StandardCharsets.UTF_8))
        + "." + b64.encodeToString(json.asJson(claims).getBytes(StandardCharsets.UTF_8))
        + "." + b64.encodeToString(sig);
  }
}
