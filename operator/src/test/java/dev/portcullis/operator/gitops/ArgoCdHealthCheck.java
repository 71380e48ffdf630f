package dev.portcullis.operator.gitops;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The Argo CD health check of docs/gitops.md, read from the page (the one copy users install) and
 * run with LuaJ the way Argo CD runs it: the object as a global {@code obj} made of the object's
 * JSON (objects and arrays as tables, arrays from 1, numbers as Lua numbers), the script's return
 * value a table with {@code status} and {@code message}.
 */
public final class ArgoCdHealthCheck {

  public static final Path DOC = Path.of("..", "docs", "gitops.md");

  /** What the script returned. */
  public record Health(String status, String message) {}

  private final String script;
  private final KubernetesSerialization json = new KubernetesSerialization();

  public ArgoCdHealthCheck() throws IOException {
    this.script = luaBlock(Files.readString(DOC));
  }

  public String script() {
    return script;
  }

  /** The page's one {@code ```lua} block. */
  static String luaBlock(String markdown) {
    int start = markdown.indexOf("```lua\n");
    if (start < 0 || markdown.indexOf("```lua\n", start + 1) >= 0) {
      throw new IllegalStateException(DOC + " must hold exactly one ```lua block");
    }
    int from = start + "```lua\n".length();
    return markdown.substring(from, markdown.indexOf("```", from));
  }

  public Health evaluate(HasMetadata object) {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(json.convertValue(object, Map.class)));
    LuaValue result = globals.load(script, "health.lua").call();
    return new Health(result.get("status").optjstring(null),
        result.get("message").optjstring(null));
  }

  private static LuaValue lua(Object value) {
    if (value == null) {
      return LuaValue.NIL;
    }
    if (value instanceof Map<?, ?> map) {
      var table = new LuaTable();
      map.forEach((k, v) -> table.set(String.valueOf(k), lua(v)));
      return table;
    }
    if (value instanceof List<?> list) {
      var table = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        table.set(i + 1, lua(list.get(i)));
      }
      return table;
    }
    if (value instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue());
    }
    if (value instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    return LuaValue.valueOf(String.valueOf(value));
  }
}
