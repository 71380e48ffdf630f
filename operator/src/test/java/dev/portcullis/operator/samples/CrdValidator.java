package dev.portcullis.operator.samples;

import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the API server checks when a custom resource is created, for one version of a CRD:
 * defaults are applied first, then the structural schema (unknown fields, types, enums,
 * patterns, bounds, sizes, list-map keys, required) and every {@code x-kubernetes-validations} rule at its location,
 * evaluated with CEL ({@code dev.cel}) with {@code self} bound to the value there. Transition
 * rules (those naming {@code oldSelf}) are evaluated only when an old object is given, as on an
 * update. Messages follow the API server's: {@code spec.storage: Invalid value: ...: MESSAGE}.
 */
final class CrdValidator {

  private final Map<String, Object> schema;
  private final CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("self", SimpleType.DYN)
      .addVar("oldSelf", SimpleType.DYN)
      .build();
  private final CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().build();
  /** How many CEL rules were evaluated, so a test can tell the rules were reached. */
  int rulesEvaluated;

  CrdValidator(Map<String, Object> crd, String version) {
    List<Map<String, Object>> versions = at(crd, "spec", "versions");
    var v = versions.stream().filter(x -> version.equals(x.get("name"))).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no version " + version));
    schema = at(v, "schema", "openAPIV3Schema");
  }

  /** The errors of creating {@code object} (a parsed custom resource); empty when it is valid. */
  List<String> validate(Map<String, Object> object, Map<String, Object> old) {
    var errors = new ArrayList<String>();
    Map<String, Object> copy = deepCopy(object);
    copy.remove("apiVersion");
    copy.remove("kind");
    copy.remove("metadata");
    Map<String, Object> oldCopy = old == null ? null : deepCopy(old);
    applyDefaults(copy, schema);
    if (oldCopy != null) {
      applyDefaults(oldCopy, schema);
    }
    check(copy, oldCopy, schema, "", errors);
    return errors;
  }

  @SuppressWarnings("unchecked")
  private static void applyDefaults(Object value, Map<String, Object> s) {
    if (value instanceof Map<?, ?> map && s.get("properties") instanceof Map<?, ?> props) {
      var m = (Map<String, Object>) map;
      ((Map<String, Map<String, Object>>) props).forEach((k, ps) -> {
        if (!m.containsKey(k) && ps.containsKey("default")) {
          m.put(k, deepCopyValue(ps.get("default")));
        }
        if (m.containsKey(k)) {
          applyDefaults(m.get(k), ps);
        }
      });
    } else if (value instanceof List<?> list && s.get("items") instanceof Map<?, ?> items) {
      list.forEach(item -> applyDefaults(item, (Map<String, Object>) items));
    } else if (value instanceof Map<?, ?> map
        && s.get("additionalProperties") instanceof Map<?, ?> ap) {
      map.values().forEach(item -> applyDefaults(item, (Map<String, Object>) ap));
    }
  }

  @SuppressWarnings("unchecked")
  private void check(Object value, Object old, Map<String, Object> s, String path,
      List<String> errors) {
    String where = path.isEmpty() ? "<root>" : path;
    int errorsBefore = errors.size();
    if (value == null) {
      if (!Boolean.TRUE.equals(s.get("nullable"))) {
        errors.add(where + ": Invalid value: \"null\": must not be null");
      }
      return;
    }
    String type = (String) s.get("type");
    boolean intOrString = Boolean.TRUE.equals(s.get("x-kubernetes-int-or-string"));
    if (intOrString) {
      if (!(value instanceof String || isInteger(value))) {
        errors.add(where + ": Invalid value: \"" + typeName(value)
            + "\": must be an integer or a string");
        return;
      }
    } else if (type != null && !typeMatches(type, value)) {
      errors.add(where + ": Invalid value: \"" + typeName(value) + "\": " + where
          + " in body must be of type " + type + ": \"" + typeName(value) + "\"");
      return;
    }
    if (s.get("enum") instanceof List<?> allowed && !allowed.contains(value)) {
      errors.add(where + ": Unsupported value: \"" + value + "\": supported values: "
          + String.join(", ", allowed.stream().map(a -> "\"" + a + "\"").toList()));
    }
    if (value instanceof String str && s.get("pattern") instanceof String pattern
        && !Pattern.compile(pattern).matcher(str).find()) {
      errors.add(where + ": Invalid value: \"" + str + "\": " + where
          + " in body should match '" + pattern + "'");
    }
    if (value instanceof String str && s.get("maxLength") instanceof Number max
        && str.codePointCount(0, str.length()) > max.longValue()) {
      errors.add(where + ": Too long: may not be longer than " + max.longValue());
    }
    if (value instanceof List<?> list && s.get("maxItems") instanceof Number max
        && list.size() > max.longValue()) {
      errors.add(where + ": Too many: " + list.size() + ": must have at most " + max.longValue()
          + " items");
    }
    if (value instanceof Map<?, ?> map && s.get("maxProperties") instanceof Number max
        && map.size() > max.longValue()) {
      errors.add(where + ": Too many: " + map.size() + ": must have at most " + max.longValue()
          + " items");
    }
    if (value instanceof List<?> list && "map".equals(s.get("x-kubernetes-list-type"))
        && s.get("x-kubernetes-list-map-keys") instanceof List<?> keys) {
      var seen = new java.util.HashSet<List<Object>>();
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i) instanceof Map<?, ?> item) {
          List<Object> key = keys.stream().map(k -> (Object) item.get(k)).toList();
          if (!seen.add(key)) {
            errors.add(where + "[" + i + "]: Duplicate value: " + goMap(keys, item));
          }
        }
      }
    }
    if (value instanceof Number n) {
      if (s.get("minimum") instanceof Number min && n.doubleValue() < min.doubleValue()) {
        errors.add(where + ": Invalid value: " + n + ": " + where
            + " in body should be greater than or equal to " + min.longValue());
      }
      if (s.get("maximum") instanceof Number max && n.doubleValue() > max.doubleValue()) {
        errors.add(where + ": Invalid value: " + n + ": " + where
            + " in body should be less than or equal to " + max.longValue());
      }
    }
    if (value instanceof Map<?, ?> map) {
      var m = (Map<String, Object>) map;
      var oldMap = old instanceof Map<?, ?> om ? (Map<String, Object>) om : null;
      var props = (Map<String, Map<String, Object>>) s.get("properties");
      var additional = s.get("additionalProperties") instanceof Map<?, ?> ap
          ? (Map<String, Object>) ap : null;
      boolean preserve = Boolean.TRUE.equals(s.get("x-kubernetes-preserve-unknown-fields"));
      if (s.get("required") instanceof List<?> required) {
        for (Object r : required) {
          if (!m.containsKey(r)) {
            errors.add(child(path, (String) r) + ": Required value");
          }
        }
      }
      for (var e : m.entrySet()) {
        String p = child(path, e.getKey());
        Object o = oldMap == null ? null : oldMap.get(e.getKey());
        if (props != null && props.containsKey(e.getKey())) {
          check(e.getValue(), o, props.get(e.getKey()), p, errors);
        } else if (additional != null) {
          check(e.getValue(), o, additional, p, errors);
        } else if (!preserve) {
          errors.add(p + ": unknown field \"" + p + "\"");
        }
      }
    } else if (value instanceof List<?> list && s.get("items") instanceof Map<?, ?> items) {
      for (int i = 0; i < list.size(); i++) {
        check(list.get(i), null, (Map<String, Object>) items, path + "[" + i + "]", errors);
      }
    }
    // as the API server: rules see only values that passed the structural schema
    if (errors.size() == errorsBefore
        && s.get("x-kubernetes-validations") instanceof List<?> rules) {
      for (Object r : rules) {
        evaluate((Map<String, Object>) r, value, old, where, errors);
      }
    }
  }

  private void evaluate(Map<String, Object> rule, Object value, Object old, String where,
      List<String> errors) {
    String expression = (String) rule.get("rule");
    boolean transition = expression.contains("oldSelf");
    if (transition && old == null) {
      return; // transition rules apply to updates only
    }
    Object result;
    try {
      var ast = compiler.compile(expression).getAst();
      var program = runtime.createProgram(ast);
      var vars = new HashMap<String, Object>();
      vars.put("self", toCel(value));
      if (transition) {
        vars.put("oldSelf", toCel(old));
      }
      result = program.eval(vars);
      rulesEvaluated++;
    } catch (Exception e) {
      throw new IllegalStateException("CEL rule at " + where + " cannot be evaluated: "
          + expression, e);
    }
    if (!Boolean.TRUE.equals(result)) {
      String message = rule.get("message") instanceof String m ? m
          : "failed rule: " + expression;
      errors.add(where + ": Invalid value: \"" + typeName(value) + "\": " + message);
    }
  }

  /** CEL's view of YAML values: integers are int64, maps and lists stay as they are. */
  private static Object toCel(Object value) {
    if (value instanceof Integer i) {
      return i.longValue();
    }
    if (value instanceof Map<?, ?> map) {
      var out = new LinkedHashMap<String, Object>();
      map.forEach((k, v) -> out.put((String) k, toCel(v)));
      return out;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(CrdValidator::toCel).toList();
    }
    return value;
  }

  /** The key of a list-map entry as the API server prints it (Go's %#v of a map). */
  private static String goMap(List<?> keys, Map<?, ?> item) {
    var parts = new ArrayList<String>();
    for (Object k : keys) {
      Object v = item.get(k);
      parts.add("\"" + k + "\":" + (v instanceof String str ? "\"" + str + "\"" : String.valueOf(v)));
    }
    return "map[string]interface {}{" + String.join(", ", parts) + "}";
  }

  private static boolean typeMatches(String type, Object value) {
    return switch (type) {
      case "object" -> value instanceof Map;
      case "array" -> value instanceof List;
      case "string" -> value instanceof String;
      case "integer" -> isInteger(value);
      case "number" -> value instanceof Number;
      case "boolean" -> value instanceof Boolean;
      default -> true;
    };
  }

  private static boolean isInteger(Object value) {
    return value instanceof Integer || value instanceof Long
        || value instanceof java.math.BigInteger;
  }

  private static String typeName(Object value) {
    if (value instanceof Map) {
      return "object";
    }
    if (value instanceof List) {
      return "array";
    }
    return String.valueOf(value);
  }

  private static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> deepCopy(Map<String, Object> m) {
    return (Map<String, Object>) deepCopyValue(m);
  }

  private static Object deepCopyValue(Object v) {
    if (v instanceof Map<?, ?> map) {
      var out = new LinkedHashMap<String, Object>();
      map.forEach((k, x) -> out.put((String) k, deepCopyValue(x)));
      return out;
    }
    if (v instanceof List<?> list) {
      var out = new ArrayList<Object>();
      list.forEach(x -> out.add(deepCopyValue(x)));
      return out;
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  static <T> T at(Object node, String... path) {
    Object current = node;
    for (String step : path) {
      current = current == null ? null : ((Map<String, Object>) current).get(step);
    }
    return (T) current;
  }
}
