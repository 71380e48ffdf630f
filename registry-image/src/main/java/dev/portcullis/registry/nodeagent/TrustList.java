package dev.portcullis.registry.nodeagent;

import java.util.List;

/**
 * What {@code registries.yaml} lists: the entries the node can apply, and the ones it must skip. One malformed entry
 * never holds back the others: every registry's trust keeps updating while the bad one is reported.
 */
public record TrustList(List<TrustedRegistry> registries, List<Skipped> skipped) {

    /**
     * An entry left out, with why. {@code id} is the entry's id when it had a usable one (its folders on the node are
     * then kept as they were), else null.
     */
    public record Skipped(String key, String id, String reason) {
        @Override
        public String toString() {
            return key + (id == null ? "" : " (" + id + ")") + ": " + reason;
        }
    }
}
