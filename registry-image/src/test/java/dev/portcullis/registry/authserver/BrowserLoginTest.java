package dev.portcullis.registry.authserver;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * docker_auth's browser login, end to end: headless Chromium (Debian's chromium and chromium-driver) opens the
 * issuer's sign-in page, is sent to a real OpenID provider (mock-oauth2-server over HTTPS, its interactive sign-in
 * form filled in with the user and claims), comes back to the issuer's callback and reads the registry password the
 * page shows; skopeo then logs in with it and pushes and pulls through a Portcullis registry in token mode, where the
 * ACL grants push by the {@code groups} label the ID token carried. Also: a revoked password, an expired one, a
 * Google login outside the allowed domain, and a callback whose state is not this browser's are all refused.
 */
class BrowserLoginTest {
    static final String CLIENT_ID = "portcullis-registry";
    static final String GOOGLE_ID = "google";
    @TempDir
    static Path dir;
    static TestOpenIdProvider provider;
    static AuthServer issuer;
    static TokenModeRegistry registry;
    static Path image;
    static Path config;
    static String base;
    static HttpClient http;
    static WebDriver browser;
    /** Every line the registry's code logs (the issuer runs in this JVM): none may hold a secret. */
    static final java.util.logging.Logger LOGS = java.util.logging.Logger.getLogger("dev.portcullis.registry");
    static final List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
    static final java.util.logging.Handler CAPTURE = new java.util.logging.Handler() {
        private final java.util.logging.SimpleFormatter formatter = new java.util.logging.SimpleFormatter();

        @Override
        public void publish(java.util.logging.LogRecord r) {
            logged.add(formatter.formatMessage(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver")),
                "chromium and chromium-driver are not installed");
        LOGS.addHandler(CAPTURE);
        TestPki pki = new TestPki(dir, "browser-login");
        provider = new TestOpenIdProvider(pki, dir, true);
        TestPki.Issued tls = pki.server(dir, "auth-tls");
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        Path secret = dir.resolve("client-secret");
        Files.writeString(secret, "s3cret-of-the-oauth-client\n");
        int port = DistributionProcess.freePort();
        base = "https://127.0.0.1:" + port;
        config = dir.resolve("auth.yml");
        Files.writeString(config, """
                server:
                  addr: "127.0.0.1:%d"
                  certificate: "%s"
                  key: "%s"
                token:
                  issuer: "%s"
                  service: "%s"
                  expiration: 300
                  certificate: "%s"
                  key: "%s"
                acl:
                  - match: {account: "/.+/", labels: {groups: "builders"}, name: "acme/*"}
                    actions: ["push", "pull"]
                  - match: {account: "/.+/", name: "acme/*"}
                    actions: ["pull"]
                oidc_auth:
                  issuer: "%s"
                  redirect_url: "%s/oidc_auth"
                  client_id: "%s"
                  client_secret_file: "%s"
                  label_claims: [groups]
                  registry_url: "https://registry.portcullis.test:5000"
                  token_db: "%s"
                  ca_certificate: "%s"
                google_auth:
                  issuer: "%s"
                  domain: acme.test
                  redirect_url: "%s/google_auth"
                  client_id: "%s"
                  client_secret_file: "%s"
                  token_db: "%s"
                  password_expiration: 10s
                  ca_certificate: "%s"
                """.formatted(port, tls.cert(), tls.key(), IssuerFixture.ISSUER, IssuerFixture.SERVICE, signing.cert(), signing.key(),
                provider.issuer(), base, CLIENT_ID, secret, dir.resolve("oidc-passwords"), pki.caFile(),
                provider.issuer(GOOGLE_ID), base, CLIENT_ID, secret, dir.resolve("google-passwords"), pki.caFile()));
        issuer = AuthServer.start(AuthServerConfig.load(config));
        registry = TokenModeRegistry.start(dir, pki, issuer);
        image = TokenModeRegistry.randomImage(dir);
        http = HttpClient.newBuilder().sslContext(IssuerFixture.trusting(pki.caFile()))
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        // Root in CI: Chromium's sandbox needs user namespaces it does not get there.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu");
        // The issuer and provider present certificates from the test CA, which the browser has no store entry for.
        options.setAcceptInsecureCerts(true);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        TokenModeRegistry.closeAll(registry, issuer, provider);
        LOGS.removeHandler(CAPTURE);
    }

    @AfterEach
    void forgetCookies() {
        if (browser != null) {
            browser.manage().deleteAllCookies();
        }
    }

    /** What the password page showed. */
    record Shown(String account, String password, String id, String skopeoLine) {
    }

    /** Signs in through the browser at {@code section}'s page as {@code user} with {@code claimsJson}; returns the page's body. */
    private static void signIn(String section, String user, String claimsJson) {
        browser.get(base + "/" + section);
        browser.findElement(By.id("sign-in")).click();
        // mock-oauth2-server's own sign-in form: a user name (the subject) and claims for the ID token.
        waitFor(() -> !browser.findElements(By.name("username")).isEmpty(), "the provider's sign-in form");
        browser.findElement(By.name("username")).sendKeys(user);
        browser.findElement(By.name("claims")).sendKeys(claimsJson);
        browser.findElement(By.cssSelector("input[type=submit]")).click();
        waitFor(() -> browser.getCurrentUrl().startsWith(base + "/" + section)
                && !browser.findElements(By.tagName("h1")).isEmpty(), "the issuer's page after the callback");
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + " at " + browser.getCurrentUrl());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    private static Shown passwordPage() {
        List<org.openqa.selenium.WebElement> pw = browser.findElements(By.id("password"));
        assertFalse(pw.isEmpty(), "no password shown: " + browser.findElement(By.tagName("body")).getText());
        return new Shown(browser.findElement(By.id("account")).getText(), pw.get(0).getText(),
                browser.findElement(By.id("password-id")).getText(), browser.findElement(By.id("skopeo-login")).getText());
    }

    private static String errorShown() {
        List<org.openqa.selenium.WebElement> e = browser.findElements(By.id("error"));
        assertFalse(e.isEmpty(), "no error shown: " + browser.findElement(By.tagName("body")).getText());
        return e.get(0).getText();
    }

    @Test
    void signInShowsAPasswordThatSkopeoPushesAndPullsWith() throws Exception {
        signIn("oidc_auth", "alice", """
                {"email": "alice@acme.test", "email_verified": true, "groups": ["builders", "staff"]}""");
        Shown shown = passwordPage();
        assertEquals("alice@acme.test", shown.account());
        assertTrue(shown.skopeoLine().contains("skopeo login --username 'alice@acme.test' --password-stdin registry.portcullis.test:5000"),
                shown.skopeoLine());
        // After the callback the page's URL carries no password, only the one-time code already redeemed.
        assertFalse(browser.getCurrentUrl().contains(shown.password()));

        Path auth = registry.login(shown.account(), shown.password());
        TokenModeRegistry.Exit push = registry.copy(auth, "oci:" + image + ":latest", registry.ref("acme/app:v1"));
        assertEquals(0, push.code(), push.output());
        TokenModeRegistry.Exit pull = registry.copy(auth, registry.ref("acme/app:v1"), "oci:" + dir.resolve("pulled") + ":latest");
        assertEquals(0, pull.code(), pull.output());
        assertEquals(TokenModeRegistry.blobs(image), TokenModeRegistry.blobs(dir.resolve("pulled")));

        // Stored hashed: the secret half of the password is in no file of the token_db.
        String secretHalf = shown.password().substring(shown.password().indexOf('.') + 1);
        try (Stream<Path> files = Files.list(dir.resolve("oidc-passwords"))) {
            for (Path f : files.toList()) {
                assertFalse(Files.readString(f).contains(secretHalf), f + " holds the password");
            }
        }
        // Under another account name the password is refused.
        assertNotEquals(0, registry.tryLogin("bob@acme.test", shown.password(), dir.resolve("bob.json")).code());
        // Logged: who signed in and the password's ID; never its secret, nor the OAuth client's.
        assertTrue(logged.stream().anyMatch(l -> l.contains("oidc_auth: password issued: account=alice@acme.test id=" + shown.id())),
                String.join("\n", logged));
        assertTrue(logged.stream().noneMatch(l -> l.contains(secretHalf) || l.contains("s3cret-of-the-oauth-client")));
    }

    @Test
    void withoutTheGroupLabelTheAclGrantsPullOnly() throws Exception {
        signIn("oidc_auth", "carol", """
                {"email": "carol@acme.test", "email_verified": true, "groups": ["visitors"]}""");
        Shown shown = passwordPage();
        Path auth = registry.login(shown.account(), shown.password());
        TokenModeRegistry.Exit push = registry.copy(auth, "oci:" + image + ":latest", registry.ref("acme/carol:v1"));
        assertNotEquals(0, push.code(), "pull only without the builders group: " + push.output());
    }

    @Test
    void revokedPasswordIsRefused() throws Exception {
        signIn("oidc_auth", "dave", """
                {"email": "dave@acme.test", "email_verified": true}""");
        Shown shown = passwordPage();
        registry.login(shown.account(), shown.password());
        assertEquals(0, AuthServerCommand.run(List.of("revoke", config.toString(), "--id", shown.id())));
        TokenModeRegistry.Exit login = registry.tryLogin(shown.account(), shown.password(), dir.resolve("revoked.json"));
        assertNotEquals(0, login.code(), "a revoked password logs in: " + login.output());
    }

    @Test
    void googleSignInInTheDomainWorksUntilThePasswordExpires() throws Exception {
        signIn("google_auth", "erin", """
                {"email": "erin@acme.test", "email_verified": true, "hd": "acme.test"}""");
        Shown shown = passwordPage();
        assertEquals("erin@acme.test", shown.account());
        Instant issued = Instant.now();
        registry.login(shown.account(), shown.password());
        // password_expiration: 10s
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), issued.plusSeconds(11)).toMillis()));
        TokenModeRegistry.Exit login = registry.tryLogin(shown.account(), shown.password(), dir.resolve("expired.json"));
        assertNotEquals(0, login.code(), "an expired password logs in: " + login.output());
    }

    @Test
    void googleAccountOutsideTheDomainIsRefused() {
        signIn("google_auth", "mallory", """
                {"email": "mallory@evil.test", "email_verified": true, "hd": "evil.test"}""");
        assertTrue(errorShown().contains("mallory@evil.test is not an account of acme.test"), errorShown());
        assertTrue(browser.findElements(By.id("password")).isEmpty());
    }

    @Test
    void callbackWithAnotherBrowsersStateIsRefused() throws Exception {
        // The victim's browser starts a sign-in of its own (its cookie is set) ...
        browser.get(base + "/oidc_auth");
        browser.findElement(By.id("sign-in")).click();
        waitFor(() -> !browser.findElements(By.name("username")).isEmpty(), "the provider's sign-in form");
        // ... while the attacker signs in as themselves and keeps the callback URL instead of following it.
        HttpResponse<String> started = http.send(HttpRequest.newBuilder(URI.create(base + "/oidc_auth"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, started.statusCode());
        String atProvider = started.headers().firstValue("Location").orElseThrow();
        HttpResponse<String> signedIn = http.send(HttpRequest.newBuilder(URI.create(atProvider))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(IssuerFixture.form(java.util.Map.of("username", "mallory",
                        "claims", "{\"email\": \"mallory@acme.test\", \"groups\": [\"builders\"]}")))).build(),
                HttpResponse.BodyHandlers.ofString());
        String callback = signedIn.headers().firstValue("Location").orElseThrow();
        assertTrue(callback.startsWith(base + "/oidc_auth?") && callback.contains("code="), callback);
        // The victim is lured to the attacker's callback: it must not sign the victim in as mallory.
        browser.get(callback);
        assertTrue(errorShown().contains("state does not match"), errorShown());
        assertTrue(browser.findElements(By.id("password")).isEmpty());

        // Without any sign-in cookie (a callback opened in a fresh browser) it is refused as well.
        HttpResponse<String> bare = http.send(HttpRequest.newBuilder(URI.create(callback)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bare.statusCode());
        assertFalse(bare.body().contains("id=\"password\""));
    }
}
