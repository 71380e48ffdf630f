package dev.portcullis.registry.credentialprovider;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

/**
 * {@code credential-provider --registry HOST[:PORT] ...}: the kubelet runs it once per image pull with a
 * {@code CredentialProviderRequest} on stdin and reads the {@code CredentialProviderResponse} from stdout. Anything
 * it will not answer is one line on stderr (which the kubelet logs) and a non-zero exit: 1 for a request, 2 for the
 * command line.
 */
public final class CredentialProviderCommand {
    /** Far beyond any request the kubelet sends (an image name and a token): stops a runaway writer from filling the heap. */
    static final int MAX_REQUEST_BYTES = 1 << 20;

    private CredentialProviderCommand() {
    }

    public static int run(List<String> args) {
        return run(args, System.in, System.out, System.err, Clock.systemUTC());
    }

    static int run(List<String> args, InputStream stdin, PrintStream stdout, PrintStream stderr, Clock clock) {
        try {
            ProviderSettings settings = ProviderSettings.parse(args);
            CredentialProviderRequest request = CredentialProviderRequest.parse(read(stdin));
            stdout.println(new PodCredentials(settings, clock).answer(request).toJson());
            stdout.flush();
            return 0;
        } catch (RefusedRequest e) {
            stderr.println("credential-provider: " + e.getMessage());
            return e.exitCode();
        } catch (IOException e) {
            stderr.println("credential-provider: cannot read the request on stdin: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            // A bug of ours: still one line, and the token is in no message we build.
            stderr.println("credential-provider: internal error: " + e.getClass().getSimpleName());
            return 1;
        }
    }

    private static String read(InputStream stdin) throws IOException, RefusedRequest {
        byte[] bytes = stdin.readNBytes(MAX_REQUEST_BYTES + 1);
        if (bytes.length > MAX_REQUEST_BYTES) {
            throw RefusedRequest.badRequest("the request on stdin is larger than " + MAX_REQUEST_BYTES + " bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
