package dev.portcullis.registry.authserver;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.token.AccessEntry;
import dev.portcullis.registry.testsupport.TestPki;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static dev.portcullis.registry.authserver.IssuerFixture.basic;
import static dev.portcullis.registry.authserver.IssuerFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The labels a ServiceAccount login carries ({@code namespace}, {@code serviceaccount}, and {@code pod} / {@code node}
 * from a bound token's {@code status.user.extra}), and the one generic ACL rule they allow: every namespace pulls its
 * own {@code NS/*}. Fabric8's mock API server answers the TokenReviews as a 1.30+ API server does.
 */
class ServiceAccountLabelsTest {
    /** A pod-bound (projected) token of shop/web: the TokenReview answer carries the pod and node. */
    static final String SHOP_BOUND = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6c2hvcDp3ZWIifQ.c2ln";
    /** A legacy Secret-based token of dev/builder: no pod, no node. */
    static final String DEV_LEGACY = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGV2OmJ1aWxkZXIifQ.c2ln";
    /** A bound token whose extra values are not strings: they are left out, the login still works. */
    static final String ODD_EXTRA = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6b3BzOmFnZW50In0.c2ln";

    KubernetesMockServer apiServer;
    KubernetesApi api;
    AuthServer server;
    HttpClient http;
    String base;

    private static JsonObject reviewedUser(String token) {
        return switch (token) {
            case SHOP_BOUND -> new JsonObject().put("username", "system:serviceaccount:shop:web")
                    .put("uid", "5f2d1b9e-0c61-4a8e-9d3c-2b7f6a1e4c10")
                    .put("groups", new JsonArray(List.of("system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated")))
                    .put("extra", new JsonObject()
                            .put("authentication.kubernetes.io/credential-id", new JsonArray(List.of("JTI=0b6c1f0e-1c2d")))
                            .put("authentication.kubernetes.io/node-name", new JsonArray(List.of("worker-1")))
                            .put("authentication.kubernetes.io/node-uid", new JsonArray(List.of("8a1f3c2e-77d4")))
                            .put("authentication.kubernetes.io/pod-name", new JsonArray(List.of("web-7d9f8c6b5-x2kqp")))
                            .put("authentication.kubernetes.io/pod-uid", new JsonArray(List.of("3e4d5c6b-11aa"))));
            case DEV_LEGACY -> new JsonObject().put("username", "system:serviceaccount:dev:builder")
                    .put("groups", new JsonArray(List.of("system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated")));
            case ODD_EXTRA -> new JsonObject().put("username", "system:serviceaccount:ops:agent")
                    .put("extra", new JsonObject()
                            .put("authentication.kubernetes.io/pod-name", new JsonArray(List.of(42, new JsonObject())))
                            .put("authentication.kubernetes.io/node-name", "not-a-list"));
            default -> null;
        };
    }

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        apiServer = new KubernetesMockServer(false);
        apiServer.init();
        apiServer.expect().post().withPath(KubernetesAuthenticator.TOKEN_REVIEWS).andReply(201, request -> {
            JsonObject asked = new JsonObject(request.getUtf8Body());
            JsonObject user = reviewedUser(asked.getJsonObject("spec").getString("token"));
            JsonObject status = new JsonObject().put("authenticated", user != null);
            if (user != null) {
                status.put("user", user).put("audiences", asked.getJsonObject("spec").getJsonArray("audiences"));
            }
            return asked.put("status", status).encode();
        }).always();

        TestPki pki = new TestPki(dir, "test");
        Path config = IssuerFixture.writeConfig(dir, pki.server(dir, "auth-tls"), pki.signing(dir, "token-signing", TestPki.Alg.EC), null, """
                users:
                  mallory: {password: "%s", labels: {namespace: [shop]}}
                kubernetes:
                  enabled: true
                  audiences: ["portcullis-test"]
                acl:
                  - match: {account: "system:serviceaccount:*", labels: {namespace: "/.+/"}, name: "${labels:namespace}/*"}
                    actions: [pull]
                    comment: "every namespace pulls its own images"
                throttle: {max_failures: 1000}
                """.formatted(IssuerFixture.hash("mallory-pw")));
        Path saToken = Files.writeString(dir.resolve("sa-token"), KubernetesTokenReviewTest.ISSUER_SA_TOKEN + "\n");
        api = KubernetesApi.inCluster(Map.of("KUBERNETES_MASTER", apiServer.url("/"),
                "KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN", saToken.toString()), dir.resolve("no-such-dir"));
        server = AuthServer.start(AuthServerConfig.load(config), api, Clock.systemUTC());
        http = IssuerFixture.client(pki.caFile());
        base = "https://127.0.0.1:" + server.port() + "/auth?service=" + SERVICE;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (apiServer != null) {
            apiServer.destroy();
        }
    }

    private KubernetesAuthenticator authenticator() {
        return new KubernetesAuthenticator(api, List.of("portcullis-test"), List.of());
    }

    private List<AccessEntry> granted(String token, String repository) throws Exception {
        return granted("serviceaccount", token, repository);
    }

    private List<AccessEntry> granted(String user, String password, String repository) throws Exception {
        HttpResponse<String> r = get(http, base + "&scope=repository:" + repository + ":pull,push", basic(user, password));
        assertEquals(200, r.statusCode(), r.body());
        return AccessEntry.fromClaimList(SignedJWT.parse(new JsonObject(r.body()).getString("token")).getJWTClaimsSet().getClaim("access"));
    }

    @Test
    void aBoundTokenCarriesNamespaceServiceAccountPodAndNode() throws Exception {
        assertEquals(new SignedTokenResult.Verified("system:serviceaccount:shop:web", Map.of(
                        "namespace", List.of("shop"), "serviceaccount", List.of("web"),
                        "pod", List.of("web-7d9f8c6b5-x2kqp"), "node", List.of("worker-1"))),
                authenticator().review(SHOP_BOUND));
    }

    @Test
    void aLegacyTokenHasNoPodOrNodeAndMalformedExtrasAreLeftOut() throws Exception {
        assertEquals(new SignedTokenResult.Verified("system:serviceaccount:dev:builder",
                        Map.of("namespace", List.of("dev"), "serviceaccount", List.of("builder"))),
                authenticator().review(DEV_LEGACY));
        assertEquals(new SignedTokenResult.Verified("system:serviceaccount:ops:agent",
                        Map.of("namespace", List.of("ops"), "serviceaccount", List.of("agent"))),
                authenticator().review(ODD_EXTRA));
    }

    @Test
    void oneGenericRuleLetsEachNamespacePullItsOwnImagesOnly() throws Exception {
        assertEquals(List.of(new AccessEntry("repository", "shop/web", List.of("pull"))), granted(SHOP_BOUND, "shop/web"));
        assertEquals(List.of(), granted(SHOP_BOUND, "dev/tools"), "shop's ServiceAccount gets nothing in dev/");
        assertEquals(List.of(new AccessEntry("repository", "dev/tools", List.of("pull"))), granted(DEV_LEGACY, "dev/tools"));
        assertEquals(List.of(), granted(DEV_LEGACY, "shop/web"), "dev's ServiceAccount gets nothing in shop/");
        assertEquals(List.of(), granted(SHOP_BOUND, "shopping/web"), "a namespace is a whole path component");
    }

    @Test
    void aStaticUserWithANamespaceLabelIsNotAServiceAccount() throws Exception {
        assertEquals(List.of(), granted("mallory", "mallory-pw", "shop/web"),
                "the rule's account match keeps it to ServiceAccount logins");
    }
}
