package dev.portcullis.registry.api;

import java.util.List;

/** One page of a sorted listing, after {@code last}, at most {@code n} entries, and whether more follow. */
record Page(List<String> items, boolean more) {

    static Page of(List<String> sorted, String last, int n) {
        int from = 0;
        if (last != null) {
            int i = java.util.Collections.binarySearch(sorted, last);
            from = i >= 0 ? i + 1 : -i - 1;
        }
        int to = (int) Math.min((long) from + n, sorted.size());
        return new Page(List.copyOf(sorted.subList(Math.min(from, to), to)), to < sorted.size());
    }

    /** The RFC 5988 Link header of the next page, as Distribution writes it. */
    String nextLink(String path, int n) {
        String last = items.get(items.size() - 1);
        return "<" + path + "?last=" + java.net.URLEncoder.encode(last, java.nio.charset.StandardCharsets.UTF_8)
                + "&n=" + n + ">; rel=\"next\"";
    }
}
