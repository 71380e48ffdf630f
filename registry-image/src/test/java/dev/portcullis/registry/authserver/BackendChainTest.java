package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.AccessEntry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The order and stopping rules of the login and access chains, as docker_auth's server applies them: NO_MATCH passes
 * on, DENIED and ERROR stop, a throwing backend fails closed. Backends here are lambdas with fixed answers: the
 * subject is the chain, not a backend.
 */
class BackendChainTest {
    /** A login backend answering {@code answer} (throwing when null) and counting its calls. */
    static LoginBackend login(String name, LoginResult answer, AtomicInteger calls) {
        return new LoginBackend() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public LoginResult authenticate(String account, String password, String remoteAddress) {
                calls.incrementAndGet();
                if (answer == null) {
                    throw new IllegalStateException("bug quoting " + password);
                }
                return answer;
            }
        };
    }

    private static Authenticator chain(IssuerMetrics metrics, LoginBackend... backends) {
        return new Authenticator(new UserStore(Map.of("static", IssuerFixture.hash("static-pw"))), List.of(),
                new LoginThrottle(100, 1000, Duration.ofMinutes(1), Duration.ofMinutes(1), Clock.systemUTC()),
                List.of(backends), metrics);
    }

    @Test
    void firstBackendThatKnowsTheAccountDecides() {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        AtomicInteger third = new AtomicInteger();
        IssuerMetrics metrics = new IssuerMetrics();
        Authenticator a = chain(metrics, login("one", LoginResult.noMatch(), first),
                login("two", LoginResult.allowed(Map.of("team", List.of("web"))), second),
                login("three", LoginResult.denied(), third));
        var ok = assertInstanceOf(Authenticator.Success.class, a.login("u", "p", "10.0.0.1"));
        assertEquals(Map.of("team", List.of("web")), ok.labels());
        assertEquals(List.of(1, 1, 0), List.of(first.get(), second.get(), third.get()));
        assertEquals(1, metrics.logins("one", "no_match"));
        assertEquals(1, metrics.logins("two", "allowed"));
    }

    @Test
    void aStaticUsersWrongPasswordIsNotRetriedElsewhere() {
        AtomicInteger calls = new AtomicInteger();
        Authenticator a = chain(new IssuerMetrics(), login("other", LoginResult.allowed(Map.of()), calls));
        assertInstanceOf(Authenticator.Failure.class, a.login("static", "wrong", "10.0.0.1"));
        assertEquals(0, calls.get(), "docker_auth's WrongPass stops the chain");
        assertInstanceOf(Authenticator.Success.class, a.login("static", "static-pw", "10.0.0.1"));
    }

    @Test
    void deniedStopsAndErrorOrABugFailsClosed() {
        AtomicInteger after = new AtomicInteger();
        assertInstanceOf(Authenticator.Failure.class, chain(new IssuerMetrics(), login("d", LoginResult.denied(), new AtomicInteger()),
                login("after", LoginResult.allowed(Map.of()), after)).login("u", "p", "10.0.0.1"));
        assertInstanceOf(Authenticator.Unavailable.class, chain(new IssuerMetrics(), login("e", LoginResult.error("down"), new AtomicInteger()),
                login("after", LoginResult.allowed(Map.of()), after)).login("u", "p", "10.0.0.1"));
        IssuerMetrics metrics = new IssuerMetrics();
        assertInstanceOf(Authenticator.Unavailable.class, chain(metrics, login("buggy", null, new AtomicInteger()),
                login("after", LoginResult.allowed(Map.of()), after)).login("u", "p", "10.0.0.1"));
        assertEquals(1, metrics.logins("buggy", "error"));
        assertEquals(0, after.get());
        assertInstanceOf(Authenticator.Failure.class, chain(new IssuerMetrics(), login("n", LoginResult.noMatch(), new AtomicInteger()))
                .login("u", "p", "10.0.0.1"), "no backend knows the account");
    }

    private static AccessBackend access(String name, AccessDecision answer) {
        return new AccessBackend() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public AccessDecision authorize(AccessRequest request) {
                if (answer == null) {
                    throw new IllegalStateException("bug");
                }
                return answer;
            }
        };
    }

    @Test
    void accessChainIntersectsTheFirstMatchAndFailsClosed() {
        List<AccessEntry> want = List.of(new AccessEntry("repository", "x", List.of("pull", "push")));
        IssuerMetrics metrics = new IssuerMetrics();
        assertEquals(List.of(new AccessEntry("repository", "x", List.of("pull"))), new AccessChain(List.of(
                access("a", AccessDecision.noMatch()), access("b", AccessDecision.matched(List.of("pull", "delete"))),
                access("c", AccessDecision.matched(List.of("pull", "push")))), metrics)
                .authorize("u", Map.of(), "svc", null, want), "b decides; delete was not asked for");
        assertEquals(List.of(), new AccessChain(List.of(access("a", AccessDecision.matched(List.of())),
                access("b", AccessDecision.matched(List.of("pull")))), metrics).authorize("u", Map.of(), "svc", null, want));
        assertEquals(List.of(), new AccessChain(List.of(access("a", AccessDecision.error("down")),
                access("b", AccessDecision.matched(List.of("pull")))), metrics).authorize("u", Map.of(), "svc", null, want));
        assertEquals(List.of(), new AccessChain(List.of(access("a", null),
                access("b", AccessDecision.matched(List.of("pull")))), metrics).authorize("u", Map.of(), "svc", null, want));
        assertEquals(List.of(), new AccessChain(List.of(access("a", AccessDecision.noMatch())), metrics)
                .authorize("u", Map.of(), "svc", null, want), "no match anywhere grants nothing");
    }
}
