package dev.portcullis.operator.reconciler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash a publisher stamps on what it writes (first 16 bytes of SHA-256, hex), so that an
 * unchanged desired state is recognised without comparing whole objects.
 */
final class ContentHash {

  private ContentHash() {}

  static String of(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
