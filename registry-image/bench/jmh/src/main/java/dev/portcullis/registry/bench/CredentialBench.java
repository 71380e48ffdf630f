package dev.portcullis.registry.bench;

import dev.portcullis.registry.auth.Bcrypt;
import dev.portcullis.registry.auth.CredentialCache;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a Basic-authenticated request costs: a hit in the credential cache (an HMAC-SHA256 and a synchronized LRU map
 * lookup, among 1000 cached users) against the bcrypt check it replaces (cost 10, as jBCrypt's default and
 * the operator write; htpasswd -B writes 5 unless given -C). Distribution pays the bcrypt on every request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
public class CredentialBench {
    CredentialCache cache;
    String hash10;

    @Setup
    public void setup() {
        cache = new CredentialCache(Duration.ofMinutes(5), 1000);
        // htpasswd writes $2y$; Bcrypt accepts it.
        hash10 = "$2y$" + Bcrypt.hash("bench-password", 10).substring(4);
        for (int i = 0; i < 999; i++) {
            cache.remember("user" + i, "password-" + i, hash10);
        }
        cache.remember("bench", "bench-password", hash10);
    }

    @Benchmark
    public Optional<String> cacheHit() {
        return cache.lookup("bench", "bench-password");
    }

    @Benchmark
    public Optional<String> cacheMiss() {
        return cache.lookup("bench", "wrong-password");
    }

    @Benchmark
    @Warmup(iterations = 1, time = 2)
    @Measurement(iterations = 3, time = 3)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public boolean bcryptCost10() {
        return Bcrypt.check("bench-password", hash10);
    }
}
