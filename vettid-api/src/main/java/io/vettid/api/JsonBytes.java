package io.vettid.api;

/**
 * The byte-level checks {@link InternalEventCodec} makes before any parser sees an event: strict
 * UTF-8 (RFC 3629) without NUL and without a byte order mark, and whether a backslash-u escape of a
 * surrogate may occur. One pass, no allocation; ASCII goes eight bytes at a time.
 */
final class JsonBytes {
  private JsonBytes() {}

  /**
   * Whether a backslash-u escape of a surrogate (D800 to DFFF in hex) may occur: a
   * backslash followed by {@code u}, {@code d} or {@code D}, and one of {@code 8-9a-fA-F}. An
   * escaped backslash before such letters also counts (a false alarm only sends the event through
   * decode). Raw UTF-8 cannot carry a surrogate: the strict check refuses one.
   */
  static boolean maySpellSurrogate(byte[] b) {
    int n = b.length;
    int i = 0;
    // eight bytes at a time while none is a backslash (a backslash XOR backslashes is a zero byte)
    while (i + 8 <= n) {
      if (hasZeroByte((long) LONGS.get(b, i) ^ BACKSLASHES)) {
        break;
      }
      i += 8;
    }
    for (; i + 5 < n; i++) {
      if (b[i] == '\\' && b[i + 1] == 'u' && (b[i + 2] == 'd' || b[i + 2] == 'D')) {
        byte c = b[i + 3];
        if ((c >= '8' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
          return true;
        }
      }
    }
    return false;
  }

  /** Strict UTF-8 without NUL ({@link #isStrictUtf8WithoutNul}) and without a byte order mark. */
  static boolean isJsonText(byte[] json) {
    return isStrictUtf8WithoutNul(json)
        && !(json.length >= 3 && json[0] == (byte) 0xEF && json[1] == (byte) 0xBB && json[2] == (byte) 0xBF);
  }

  /**
   * Whether the bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
   * above U+10FFFF) and hold no NUL byte. One pass, no allocation; ASCII goes eight bytes at a time.
   */
  static boolean isStrictUtf8WithoutNul(byte[] b) {
    int i = 0;
    int n = b.length;
    while (i < n) {
      // eight bytes at a time while they are all ASCII and none is NUL (the usual case)
      while (i + 8 <= n) {
        long w = (long) LONGS.get(b, i);
        if ((w & HIGH_BITS) != 0 || hasZeroByte(w)) {
          break;
        }
        i += 8;
      }
      if (i >= n) {
        break;
      }
      int c = b[i];
      if (c > 0) { // ASCII other than NUL
        i++;
        continue;
      }
      if (c == 0) {
        return false;
      }
      c &= 0xFF;
      if (c >= 0xC2 && c <= 0xDF) {
        if (i + 1 >= n || !cont(b[i + 1])) {
          return false;
        }
        i += 2;
      } else if (c >= 0xE0 && c <= 0xEF) {
        if (i + 2 >= n) {
          return false;
        }
        int c1 = b[i + 1] & 0xFF;
        int lo = c == 0xE0 ? 0xA0 : 0x80;
        int hi = c == 0xED ? 0x9F : 0xBF;
        if (c1 < lo || c1 > hi || !cont(b[i + 2])) {
          return false;
        }
        i += 3;
      } else if (c >= 0xF0 && c <= 0xF4) {
        if (i + 3 >= n) {
          return false;
        }
        int c1 = b[i + 1] & 0xFF;
        int lo = c == 0xF0 ? 0x90 : 0x80;
        int hi = c == 0xF4 ? 0x8F : 0xBF;
        if (c1 < lo || c1 > hi || !cont(b[i + 2]) || !cont(b[i + 3])) {
          return false;
        }
        i += 4;
      } else {
        return false;
      }
    }
    return true;
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long LOW_BITS = 0x0101010101010101L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;

  /** Whether one of the word's eight bytes is zero (the classic test: a zero byte borrows into its high bit). */
  private static boolean hasZeroByte(long w) {
    return ((w - LOW_BITS) & ~w & HIGH_BITS) != 0;
  }

  private static boolean cont(byte b) {
    return (b & 0xC0) == 0x80;
  }
}
