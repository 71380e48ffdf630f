package dev.portcullis.registry.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The known key an unknown one was probably meant to be: the closest by edit distance (a swap of two neighbouring
 * letters counts as one edit, the commonest typo), if it is close enough to be a typo rather than another key.
 */
public final class KeySuggestion {
    private KeySuggestion() {}

    public static Optional<String> closest(String unknown, Collection<String> known) {
        String u = unknown.toLowerCase(Locale.ROOT);
        // Short keys tolerate one edit, long ones up to three: "htpp" is http, but "log" is not "tag".
        int allowed = Math.max(1, Math.min(3, u.length() / 6));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(u, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
