package dev.portcullis.operator.samples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A structural stand-in for the API server's CEL cost estimation (Kubernetes 1.24+): the server multiplies the
 * worst-case size of every list, map and string a rule reaches, and without {@code maxItems}, {@code maxProperties}
 * or {@code maxLength} it assumes the largest that fits in a request (3 MiB), so one comprehension over an unbounded
 * list of unbounded strings is estimated far above the per-rule budget and the whole CRD is rejected. The cel-java
 * validator of the tests does no cost estimation, so this check walks each rule's field paths instead and reports
 * every list, map or string a rule reaches without a bound. A string with an {@code enum} is bounded by its values.
 * A path only tested with {@code has(...)} is not reached (presence costs the same whatever the size).
 */
final class CelRuleBounds {
  private static final Pattern CHAIN = Pattern.compile("\\b([A-Za-z_]\\w*)((?:\\.[A-Za-z_]\\w*(?![\\w(]))*)");
  private static final Pattern MACRO = Pattern.compile(
      "\\b(self(?:\\.[A-Za-z_]\\w*)*)\\.(?:all|exists|exists_one|map|filter)\\(\\s*([A-Za-z_]\\w*)\\s*,");

  private CelRuleBounds() {}

  /** One line per unbounded value a rule reaches, naming the rule's location and the value; empty when bounded. */
  static List<String> violations(Map<String, Object> crd) {
    var out = new ArrayList<String>();
    List<Map<String, Object>> versions = CrdValidator.at(crd, "spec", "versions");
    for (var v : versions) {
      walk(CrdValidator.at(v, "schema", "openAPIV3Schema"), (String) v.get("name"), out);
    }
    return out.stream().distinct().toList();
  }

  @SuppressWarnings("unchecked")
  private static void walk(Map<String, Object> s, String path, List<String> out) {
    if (s == null) {
      return;
    }
    if (s.get("x-kubernetes-validations") instanceof List<?> rules) {
      for (Object r : rules) {
        check((String) ((Map<String, Object>) r).get("rule"), s, path, out);
      }
    }
    if (s.get("properties") instanceof Map<?, ?> props) {
      ((Map<String, Map<String, Object>>) props).forEach((k, ps) -> walk(ps, path + "." + k, out));
    }
    if (s.get("items") instanceof Map<?, ?> items) {
      walk((Map<String, Object>) items, path + "[]", out);
    }
    if (s.get("additionalProperties") instanceof Map<?, ?> ap) {
      walk((Map<String, Object>) ap, path + "{}", out);
    }
  }

  private static void check(String rule, Map<String, Object> self, String path, List<String> out) {
    // Variables of comprehensions stand for the items of the list they range over.
    Map<String, Map<String, Object>> roots = new HashMap<>();
    Map<String, String> rootPaths = new HashMap<>();
    roots.put("self", self);
    rootPaths.put("self", path);
    Matcher macro = MACRO.matcher(rule);
    while (macro.find()) {
      String[] steps = macro.group(1).split("\\.");
      Map<String, Object> list = resolve(self, steps, 1);
      if (list != null) {
        roots.put(macro.group(2), items(list));
        rootPaths.put(macro.group(2), path + macro.group(1).substring(4) + "[]");
      }
    }
    Matcher m = CHAIN.matcher(rule);
    while (m.find()) {
      String root = m.group(1);
      if (!roots.containsKey(root) || isQuoted(rule, m.start())) {
        continue;
      }
      boolean presenceOnly = rule.startsWith("has(", Math.max(0, m.start() - 4)) && m.start() >= 4
          && rule.startsWith(")", m.end());
      String[] steps = (root + m.group(2)).split("\\.");
      Map<String, Object> node = roots.get(root);
      String where = rootPaths.get(root);
      for (int i = 1; i <= steps.length && node != null; i++) {
        boolean last = i == steps.length;
        if (!(last && presenceOnly)) {
          String at = where;
          unbounded(node).ifPresent(what -> out.add(at + ": rule `" + rule + "` reaches " + what));
        }
        if (!last) {
          node = property(node, steps[i]);
          where = where + "." + steps[i];
        }
      }
    }
  }

  /** What is unbounded about a value of this schema, if anything (a list's string items count too). */
  private static java.util.Optional<String> unbounded(Map<String, Object> s) {
    String type = (String) s.get("type");
    if ("array".equals(type)) {
      if (!s.containsKey("maxItems")) {
        return java.util.Optional.of("a list without maxItems");
      }
      Map<String, Object> items = items(s);
      if (items != null && "string".equals(items.get("type")) && !boundedString(items)) {
        return java.util.Optional.of("a list of strings without maxLength");
      }
    } else if ("string".equals(type) && !boundedString(s)) {
      return java.util.Optional.of("a string without maxLength");
    } else if ("object".equals(type) && s.containsKey("additionalProperties") && !s.containsKey("maxProperties")) {
      return java.util.Optional.of("a map without maxProperties");
    }
    return java.util.Optional.empty();
  }

  private static boolean boundedString(Map<String, Object> s) {
    return s.containsKey("maxLength") || s.containsKey("enum");
  }

  private static Map<String, Object> resolve(Map<String, Object> s, String[] steps, int from) {
    Map<String, Object> node = s;
    for (int i = from; i < steps.length && node != null; i++) {
      node = property(node, steps[i]);
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> property(Map<String, Object> s, String name) {
    if (s.get("properties") instanceof Map<?, ?> props && props.get(name) instanceof Map<?, ?> p) {
      return (Map<String, Object>) p;
    }
    if (s.get("additionalProperties") instanceof Map<?, ?> ap) {
      return (Map<String, Object>) ap;
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> items(Map<String, Object> s) {
    return s.get("items") instanceof Map<?, ?> i ? (Map<String, Object>) i : null;
  }

  /** Inside a string literal ('...'), where words are not field paths. */
  private static boolean isQuoted(String rule, int at) {
    int quotes = 0;
    for (int i = 0; i < at; i++) {
      if (rule.charAt(i) == '\'') {
        quotes++;
      }
    }
    return quotes % 2 == 1;
  }
}
