package io.vettid.proptest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/**
 * Generators VettID's property tests share. Every one shrinks: strings and arrays toward shorter
 * ones made of earlier characters of their alphabet, numbers toward the lower bound.
 */
public final class Gens {
  /** {@code a} to {@code z}. */
  public static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
  /** {@code A} to {@code Z}. */
  public static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  /** {@code 0} to {@code 9}. */
  public static final String DIGITS = "0123456789";
  /** Letters of both cases and digits. */
  public static final String ALPHANUMERIC = LOWER + UPPER + DIGITS;

  private Gens() {}

  /**
   * Strings of {@code min} to {@code max} characters, each one of {@code alphabet}'s.
   *
   * @param alphabet the characters to draw from, not empty (a character written twice is drawn twice as often)
   * @param min the least length, at least 0
   * @param max the greatest length, at least {@code min}
   * @return the generator
   * @throws IllegalArgumentException if the alphabet is empty or the lengths are out of order
   */
  public static Gen<String> strings(String alphabet, int min, int max) {
    Objects.requireNonNull(alphabet, "alphabet");
    if (alphabet.isEmpty()) {
      throw new IllegalArgumentException("the alphabet is empty");
    }
    List<Character> chars = new ArrayList<>();
    for (char c : alphabet.toCharArray()) {
      chars.add(c);
    }
    return lists(Generate.pick(chars), min, max).map(Gens::join);
  }

  /**
   * Strings of exactly {@code length} characters of {@code alphabet}.
   *
   * @param alphabet the characters to draw from, not empty
   * @param length the length, at least 0
   * @return the generator
   */
  public static Gen<String> strings(String alphabet, int length) {
    return strings(alphabet, length, length);
  }

  /**
   * Text UTF-8 can carry, of up to {@code max} UTF-16 units: any character of the Basic
   * Multilingual Plane except surrogates and {@code U+FFFE}, {@code U+FFFF}.
   *
   * @param max the greatest length, at least 0
   * @return the generator
   */
  public static Gen<String> text(int max) {
    Gen<Character> c = Generate.frequency(
        org.quicktheories.api.Pair.of(55, Generate.characters(0x0000, 0xD7FF)),
        org.quicktheories.api.Pair.of(8, Generate.characters(0xE000, 0xFFFD)));
    return lists(c, 0, max).map(Gens::join);
  }

  /**
   * Strings of {@code min} to {@code max} code points, any of Unicode's (surrogate pairs included,
   * never an unpaired surrogate).
   *
   * @param min the least number of code points
   * @param max the greatest number of code points
   * @return the generator
   */
  public static Gen<String> codePoints(int min, int max) {
    return SourceDSL.strings().allPossible().ofLengthBetween(min, max);
  }

  /**
   * Strings of up to {@code max} UTF-16 units, any of them (unpaired surrogates included): what a
   * Java {@code String} can hold.
   *
   * @param max the greatest length, at least 0
   * @return the generator
   */
  public static Gen<String> anyChars(int max) {
    return lists(anyChar(), 0, max).map(Gens::join);
  }

  /**
   * Any UTF-16 unit, surrogates included.
   *
   * @return the generator
   */
  public static Gen<Character> anyChar() {
    return Generate.characters(0, 0xFFFF);
  }

  /**
   * Arrays of {@code min} to {@code max} bytes, each any value (a failure shows their values).
   *
   * @param min the least length, at least 0
   * @param max the greatest length, at least {@code min}
   * @return the generator
   */
  public static Gen<byte[]> bytes(int min, int max) {
    checkSizes(min, max);
    return Generate.byteArrays(Generate.range(min, max), anyByte()).describedAs(Arrays::toString);
  }

  /**
   * Any byte, shrinking toward 0.
   *
   * @return the generator
   */
  public static Gen<Byte> anyByte() {
    return Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0);
  }

  /**
   * Integers from {@code min} to {@code max}, both included.
   *
   * @param min the least value
   * @param max the greatest value, at least {@code min}
   * @return the generator
   */
  public static Gen<Integer> ints(int min, int max) {
    return SourceDSL.integers().between(min, max);
  }

  /**
   * Longs from {@code min} to {@code max}, both included.
   *
   * @param min the least value
   * @param max the greatest value, at least {@code min}
   * @return the generator
   */
  public static Gen<Long> longs(long min, long max) {
    return SourceDSL.longs().between(min, max);
  }

  /**
   * Any int.
   *
   * @return the generator
   */
  public static Gen<Integer> anyInt() {
    return SourceDSL.integers().all();
  }

  /**
   * Any long.
   *
   * @return the generator
   */
  public static Gen<Long> anyLong() {
    return SourceDSL.longs().all();
  }

  /**
   * {@code true} or {@code false}.
   *
   * @return the generator
   */
  public static Gen<Boolean> booleans() {
    return SourceDSL.booleans().all();
  }

  /**
   * One of the given values, shrinking toward the first.
   *
   * @param <T> the values' type
   * @param values the values, at least one, none null
   * @return the generator
   */
  @SafeVarargs
  public static <T> Gen<T> of(T... values) {
    return of(Arrays.asList(values));
  }

  /**
   * One of the given values, shrinking toward the first.
   *
   * @param <T> the values' type
   * @param values the values, at least one, none null
   * @return the generator
   */
  public static <T> Gen<T> of(List<T> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values to pick from");
    }
    return Generate.pick(List.copyOf(values));
  }

  /**
   * A value of one of the generators, each chosen as often.
   *
   * @param <T> the values' type
   * @param first a generator
   * @param more more generators
   * @return the generator
   */
  @SafeVarargs
  public static <T> Gen<T> oneOf(Gen<T> first, Gen<T>... more) {
    return Generate.oneOf(first, more);
  }

  /**
   * Lists of {@code min} to {@code max} values.
   *
   * @param <T> the values' type
   * @param values the values' generator
   * @param min the least size, at least 0
   * @param max the greatest size, at least {@code min}
   * @return the generator
   */
  public static <T> Gen<List<T>> lists(Gen<T> values, int min, int max) {
    checkSizes(min, max);
    return SourceDSL.lists().of(values).ofSizeBetween(min, max);
  }

  /**
   * Maps of up to {@code max} entries (a key drawn twice keeps its last value, so a map may be
   * smaller), in the order their keys were drawn.
   *
   * @param <K> the keys' type
   * @param <V> the values' type
   * @param keys the keys' generator
   * @param values the values' generator
   * @param max the greatest size, at least 0
   * @return the generator
   */
  public static <K, V> Gen<Map<K, V>> maps(Gen<K> keys, Gen<V> values, int max) {
    Gen<List<Map.Entry<K, V>>> entries = lists(keys.zip(values, Map::entry), 0, max);
    return entries.map(list -> {
      Map<K, V> map = new LinkedHashMap<>();
      list.forEach(e -> map.put(e.getKey(), e.getValue()));
      return map;
    });
  }

  private static void checkSizes(int min, int max) {
    if (min < 0 || max < min) {
      throw new IllegalArgumentException("sizes must satisfy 0 <= min <= max, were " + min + " and " + max);
    }
  }

  private static String join(List<Character> chars) {
    StringBuilder s = new StringBuilder(chars.size());
    chars.forEach(s::append);
    return s.toString();
  }
}
