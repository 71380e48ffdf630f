package dev.portcullis.operator.testsupport.kubelet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the registry image adds around the jar, read from where the image gets it: the JVM flags of
 * {@code registry-image/jvm.options} (the ENTRYPOINT's {@code java @/app/jvm.options}) and the
 * Dockerfile's {@code ENV} lines. The pods then run with the flags users get, and a flag this JDK
 * refuses fails the end-to-end test instead of the image's first start.
 */
record ImageEntrypoint(List<String> jvmArguments, Map<String, String> environment) {

  private static final Pattern ENV = Pattern.compile("(?m)^ENV\\s+([A-Z_][A-Z0-9_]*)=(\\S+)\\s*$");

  static ImageEntrypoint of(Path module) {
    try {
      Path options = module.resolve("jvm.options");
      Path dockerfile = module.resolve("Dockerfile");
      List<String> args = Files.isRegularFile(options)
          ? List.of("@" + options.toAbsolutePath()) : List.of("-XX:+UseSerialGC");
      var env = new LinkedHashMap<String, String>();
      if (Files.isRegularFile(dockerfile)) {
        Matcher m = ENV.matcher(Files.readString(dockerfile));
        while (m.find()) {
          env.put(m.group(1), m.group(2));
        }
      }
      return new ImageEntrypoint(args, Map.copyOf(env));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
