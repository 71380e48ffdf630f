package dev.portcullis.registry.authserver;

import dev.portcullis.registry.testsupport.TestPki;
import org.mindrot.jbcrypt.BCrypt;

import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/**
 * Token issue rate of an in-process issuer over HTTPS (keep-alive), per login backend: static users with a bcrypt
 * cost-10 hash (each request checks it, as docker_auth does, unless identical logins are in flight together), LDAP
 * against the in-memory directory (search + bind per request), oidc_federation with CI ID tokens from
 * mock-oauth2-server (JWKS cached: an RS256 signature check and the claim checks per request), and anonymous as the
 * floor (TLS + signing only).
 * Prints requests/s and the process's CPU seconds per 1000 tokens; client and server share the JVM, so the CPU
 * figure includes the client. Not a test: nothing is asserted. Run with bench/token-issue.sh.
 */
public final class TokenIssueBenchmark {
    private TokenIssueBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        Duration each = Duration.ofSeconds(args.length > 1 ? Integer.parseInt(args[1]) : 10);
        // Per-token INFO lines would measure the console.
        dev.portcullis.registry.logging.LogSetup.apply(new dev.portcullis.registry.config.LogSettings("warn", "text",
                java.util.Map.of(), false));
        Path dir = Files.createTempDirectory("token-bench");
        TestPki pki = new TestPki(dir, "bench");
        try (TestDirectory ldap = new TestDirectory(dir.resolve("ldap"));
             TestOpenIdProvider oidc = new TestOpenIdProvider(pki, dir)) {
            StringBuilder users = new StringBuilder("users:\n  \"\": {}\n");
            for (int i = 0; i < threads; i++) {
                users.append("  user").append(i).append(": {password: \"").append(BCrypt.hashpw("pw" + i, BCrypt.gensalt(10))).append("\"}\n");
            }
            for (int i = 0; i < threads; i++) {
                ldap.person("ldapuser" + i, "ldap-pw" + i);
            }
            Path config = IssuerFixture.writeConfig(dir, pki.server(dir, "tls"), pki.signing(dir, "sign", TestPki.Alg.EC), null,
                    users + "acl:\n  - match: {account: \"/.*/\"}\n    actions: [\"pull\"]\n"
                            + "throttle: {max_failures: 0}\n" + ldap.section("ldaps", ldap.pki.caFile())
                            + "oidc_federation:\n  issuers:\n    ci: {issuer: \"" + oidc.issuer() + "\", audience: bench, "
                            + "account_claim: repository, labels: {owner: repository_owner}, ca_certificate: \"" + pki.caFile() + "\"}\n");
            List<String> ciTokens = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                ciTokens.add(oidc.token(TestOpenIdProvider.ISSUER_ID, "job" + i, "bench",
                        new java.util.HashMap<>(java.util.Map.of("repository", "acme/app", "repository_owner", "acme")), 3600));
            }
            try (AuthServer server = AuthServer.start(AuthServerConfig.load(config))) {
                HttpClient http = IssuerFixture.client(pki.caFile());
                String url = "https://127.0.0.1:" + server.port() + "/auth?service=" + IssuerFixture.SERVICE
                        + "&scope=repository:app:pull";
                System.out.printf("threads=%d, %ds per scenario, cores=%d%n", threads, each.toSeconds(),
                        Runtime.getRuntime().availableProcessors());
                run("warm-up (anonymous, then LDAP)", http, url, threads, Duration.ofSeconds(5), t -> null);
                run("warm-up (LDAP)", http, url, threads, Duration.ofSeconds(5), t -> IssuerFixture.basic("ldapuser" + t, "ldap-pw" + t));
                run("anonymous (TLS + signing only)", http, url, threads, each, t -> null);
                run("static users, one account per thread (bcrypt cost 10 per request)", http, url, threads, each,
                        t -> IssuerFixture.basic("user" + t, "pw" + t));
                run("static users, one account for all threads (identical logins share a check)", http, url, threads, each,
                        t -> IssuerFixture.basic("user0", "pw0"));
                run("ldap_auth, one account per thread (search + bind per request)", http, url, threads, each,
                        t -> IssuerFixture.basic("ldapuser" + t, "ldap-pw" + t));
                run("oidc_federation, one ID token per thread (JWKS cached)", http, url,
                        threads, each, t -> IssuerFixture.basic("acme/app", ciTokens.get(t)));
                // Again at the end: on a shared machine the first rows run colder and under other load.
                run("anonymous again", http, url, threads, each, t -> null);
            }
        }
    }

    private static void run(String name, HttpClient http, String url, int threads, Duration length,
                            IntFunction<String> credentials) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        List<Future<long[]>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String auth = credentials.apply(t);
            results.add(pool.submit(() -> {
                long ok = 0;
                long failed = 0;
                while (!stop.get()) {
                    if (IssuerFixture.get(http, url, auth).statusCode() == 200) {
                        ok++;
                    } else {
                        failed++;
                    }
                }
                return new long[] {ok, failed};
            }));
        }
        Thread.sleep(length.toMillis());
        stop.set(true);
        long ok = 0;
        long failed = 0;
        for (Future<long[]> f : results) {
            ok += f.get()[0];
            failed += f.get()[1];
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        pool.shutdown();
        System.out.printf("%-80s %8.1f tokens/s  %6.2f CPU s per 1000 tokens  (%d ok, %d failed)%n", name, ok / seconds,
                ok == 0 ? 0 : cpu * 1000 / ok, ok, failed);
    }
}
