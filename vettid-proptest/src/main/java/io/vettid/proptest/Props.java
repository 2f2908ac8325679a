package io.vettid.proptest;

import java.security.SecureRandom;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.quicktheories.QuickTheory;
import org.quicktheories.api.Predicate3;
import org.quicktheories.api.Predicate4;
import org.quicktheories.core.Gen;
import org.quicktheories.core.Guidance;
import org.quicktheories.impl.Precursor;

/**
 * Runs properties: {@code Props.tries(5000).forAll(gen).checkAssert(value -> ...)}.
 *
 * <p>Each property runs its examples from a seed: a random one, or the system property
 * {@code QT_SEED} when it is set. QuickTheories skips an example it has already checked in a run;
 * further runs from the next seeds make up the difference, so a property gets as many checks as it
 * asks for, unless its input space is smaller (then each value is checked). A property that holds
 * prints one line: its name, its checks and its seed. A property that fails
 * is shrunk by QuickTheories; its {@link AssertionError} names the smallest failing input, the seed
 * and the command line that checks the same examples again ({@code -Dtest=Class#method
 * -DQT_SEED=N}).
 *
 * <p>A check may throw checked exceptions: any exception it throws fails the property like a
 * failed assertion, and is shrunk the same way.
 */
public final class Props {
  private static final SecureRandom SEEDS = new SecureRandom();

  private final int examples;

  private Props(int examples) {
    this.examples = examples;
  }

  /**
   * A property that checks {@code examples} generated examples.
   *
   * @param examples how many examples to generate, at least 1
   * @return the property's builder
   * @throws IllegalArgumentException if {@code examples} is less than 1
   */
  public static Props tries(int examples) {
    if (examples < 1) {
      throw new IllegalArgumentException("examples must be at least 1, was " + examples);
    }
    return new Props(examples);
  }

  /**
   * The property over one generated value.
   *
   * @param <A> the value's type
   * @param a the value's generator
   * @return the property, to check
   */
  public <A> For1<A> forAll(Gen<A> a) {
    return new For1<>(examples, Objects.requireNonNull(a, "a"), x -> true);
  }

  /**
   * The property over two generated values.
   *
   * @param <A> the first value's type
   * @param <B> the second value's type
   * @param a the first value's generator
   * @param b the second value's generator
   * @return the property, to check
   */
  public <A, B> For2<A, B> forAll(Gen<A> a, Gen<B> b) {
    return new For2<>(examples, Objects.requireNonNull(a, "a"), Objects.requireNonNull(b, "b"), (x, y) -> true);
  }

  /**
   * The property over three generated values.
   *
   * @param <A> the first value's type
   * @param <B> the second value's type
   * @param <C> the third value's type
   * @param a the first value's generator
   * @param b the second value's generator
   * @param c the third value's generator
   * @return the property, to check
   */
  public <A, B, C> For3<A, B, C> forAll(Gen<A> a, Gen<B> b, Gen<C> c) {
    return new For3<>(examples, Objects.requireNonNull(a, "a"), Objects.requireNonNull(b, "b"),
        Objects.requireNonNull(c, "c"), (x, y, z) -> true);
  }

  /**
   * The property over four generated values.
   *
   * @param <A> the first value's type
   * @param <B> the second value's type
   * @param <C> the third value's type
   * @param <D> the fourth value's type
   * @param a the first value's generator
   * @param b the second value's generator
   * @param c the third value's generator
   * @param d the fourth value's generator
   * @return the property, to check
   */
  public <A, B, C, D> For4<A, B, C, D> forAll(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d) {
    return new For4<>(examples, Objects.requireNonNull(a, "a"), Objects.requireNonNull(b, "b"),
        Objects.requireNonNull(c, "c"), Objects.requireNonNull(d, "d"), (w, x, y, z) -> true);
  }

  /**
   * A check of one value.
   *
   * @param <A> the value's type
   */
  @FunctionalInterface
  public interface Check1<A> {
    /**
     * Checks a value.
     *
     * @param a the value
     * @throws Exception if the check fails or cannot be done
     */
    void check(A a) throws Exception;
  }

  /**
   * A check of two values.
   *
   * @param <A> the first value's type
   * @param <B> the second value's type
   */
  @FunctionalInterface
  public interface Check2<A, B> {
    /**
     * Checks two values.
     *
     * @param a the first value
     * @param b the second value
     * @throws Exception if the check fails or cannot be done
     */
    void check(A a, B b) throws Exception;
  }

  /**
   * A check of three values.
   *
   * @param <A> the first value's type
   * @param <B> the second value's type
   * @param <C> the third value's type
   */
  @FunctionalInterface
  public interface Check3<A, B, C> {
    /**
     * Checks three values.
     *
     * @param a the first value
     * @param b the second value
     * @param c the third value
     * @throws Exception if the check fails or cannot be done
     */
    void check(A a, B b, C c) throws Exception;
  }

  /**
   * A check of four values.
   *
   * @param <A> the first value's type
   * @param <B> the second value's type
   * @param <C> the third value's type
   * @param <D> the fourth value's type
   */
  @FunctionalInterface
  public interface Check4<A, B, C, D> {
    /**
     * Checks four values.
     *
     * @param a the first value
     * @param b the second value
     * @param c the third value
     * @param d the fourth value
     * @throws Exception if the check fails or cannot be done
     */
    void check(A a, B b, C c, D d) throws Exception;
  }

  /**
   * A property over one value.
   *
   * @param <A> the value's type
   */
  public static final class For1<A> {
    private final int examples;
    private final Gen<A> a;
    private final Predicate<A> assumption;

    private For1(int examples, Gen<A> a, Predicate<A> assumption) {
      this.examples = examples;
      this.a = a;
      this.assumption = assumption;
    }

    /**
     * Checks only values that satisfy {@code assumption} (others are generated again).
     *
     * @param assumption what a value must satisfy to be checked
     * @return the property with the assumption
     */
    public For1<A> assuming(Predicate<A> assumption) {
      Objects.requireNonNull(assumption, "assumption");
      return new For1<>(examples, a, x -> this.assumption.test(x) && assumption.test(x));
    }

    /**
     * Checks every example; returns when all hold.
     *
     * @param check the check
     * @throws AssertionError naming the smallest failing input and the seed, if one fails
     */
    public void checkAssert(Check1<A> check) {
      Objects.requireNonNull(check, "check");
      run(examples, qt -> qt.forAll(a).assuming(assumption)
          .checkAssert(x -> body(() -> check.check(x))));
    }
  }

  /**
   * A property over two values.
   *
   * @param <A> the first value's type
   * @param <B> the second value's type
   */
  public static final class For2<A, B> {
    private final int examples;
    private final Gen<A> a;
    private final Gen<B> b;
    private final java.util.function.BiPredicate<A, B> assumption;

    private For2(int examples, Gen<A> a, Gen<B> b, java.util.function.BiPredicate<A, B> assumption) {
      this.examples = examples;
      this.a = a;
      this.b = b;
      this.assumption = assumption;
    }

    /**
     * Checks only values that satisfy {@code assumption} (others are generated again).
     *
     * @param assumption what the values must satisfy to be checked
     * @return the property with the assumption
     */
    public For2<A, B> assuming(java.util.function.BiPredicate<A, B> assumption) {
      Objects.requireNonNull(assumption, "assumption");
      return new For2<>(examples, a, b, (x, y) -> this.assumption.test(x, y) && assumption.test(x, y));
    }

    /**
     * Checks every example; returns when all hold.
     *
     * @param check the check
     * @throws AssertionError naming the smallest failing input and the seed, if one fails
     */
    public void checkAssert(Check2<A, B> check) {
      Objects.requireNonNull(check, "check");
      run(examples, qt -> qt.forAll(a, b).assuming(assumption)
          .checkAssert((x, y) -> body(() -> check.check(x, y))));
    }
  }

  /**
   * A property over three values.
   *
   * @param <A> the first value's type
   * @param <B> the second value's type
   * @param <C> the third value's type
   */
  public static final class For3<A, B, C> {
    private final int examples;
    private final Gen<A> a;
    private final Gen<B> b;
    private final Gen<C> c;
    private final Predicate3<A, B, C> assumption;

    private For3(int examples, Gen<A> a, Gen<B> b, Gen<C> c, Predicate3<A, B, C> assumption) {
      this.examples = examples;
      this.a = a;
      this.b = b;
      this.c = c;
      this.assumption = assumption;
    }

    /**
     * Checks only values that satisfy {@code assumption} (others are generated again).
     *
     * @param assumption what the values must satisfy to be checked
     * @return the property with the assumption
     */
    public For3<A, B, C> assuming(Predicate3<A, B, C> assumption) {
      Objects.requireNonNull(assumption, "assumption");
      return new For3<>(examples, a, b, c,
          (x, y, z) -> this.assumption.test(x, y, z) && assumption.test(x, y, z));
    }

    /**
     * Checks every example; returns when all hold.
     *
     * @param check the check
     * @throws AssertionError naming the smallest failing input and the seed, if one fails
     */
    public void checkAssert(Check3<A, B, C> check) {
      Objects.requireNonNull(check, "check");
      run(examples, qt -> qt.forAll(a, b, c).assuming(assumption)
          .checkAssert((x, y, z) -> body(() -> check.check(x, y, z))));
    }
  }

  /**
   * A property over four values.
   *
   * @param <A> the first value's type
   * @param <B> the second value's type
   * @param <C> the third value's type
   * @param <D> the fourth value's type
   */
  public static final class For4<A, B, C, D> {
    private final int examples;
    private final Gen<A> a;
    private final Gen<B> b;
    private final Gen<C> c;
    private final Gen<D> d;
    private final Predicate4<A, B, C, D> assumption;

    private For4(int examples, Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d, Predicate4<A, B, C, D> assumption) {
      this.examples = examples;
      this.a = a;
      this.b = b;
      this.c = c;
      this.d = d;
      this.assumption = assumption;
    }

    /**
     * Checks only values that satisfy {@code assumption} (others are generated again).
     *
     * @param assumption what the values must satisfy to be checked
     * @return the property with the assumption
     */
    public For4<A, B, C, D> assuming(Predicate4<A, B, C, D> assumption) {
      Objects.requireNonNull(assumption, "assumption");
      return new For4<>(examples, a, b, c, d,
          (w, x, y, z) -> this.assumption.test(w, x, y, z) && assumption.test(w, x, y, z));
    }

    /**
     * Checks every example; returns when all hold.
     *
     * @param check the check
     * @throws AssertionError naming the smallest failing input and the seed, if one fails
     */
    public void checkAssert(Check4<A, B, C, D> check) {
      Objects.requireNonNull(check, "check");
      run(examples, qt -> qt.forAll(a, b, c, d).assuming(assumption)
          .checkAssert((w, x, y, z) -> body(() -> check.check(w, x, y, z))));
    }
  }

  private interface Theory {
    void run(QuickTheory qt);
  }

  private interface Body {
    void run() throws Exception;
  }

  private static void body(Body body) {
    try {
      body.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError("the check threw " + e, e);
    }
  }

  /** Counts the examples QuickTheories really checks (it skips one it has checked already). */
  private static final class Counting implements Guidance {
    private int checked;

    @Override
    public void newExample(Precursor newExample) {}

    @Override
    public void exampleExecuted() {
      checked++;
    }

    @Override
    public Collection<long[]> suggestValues(int i, Precursor t) {
      return List.of();
    }

    @Override
    public void exampleComplete() {}
  }

  private static void run(int examples, Theory theory) {
    StackWalker.StackFrame test = caller();
    String name = test.getClassName() + "." + test.getMethodName();
    String simple = test.getClassName().substring(test.getClassName().lastIndexOf('.') + 1);
    String given = System.getProperty("QT_SEED");
    long seed = given == null || given.isBlank() ? SEEDS.nextLong() : Long.parseLong(given.trim());
    String rerun = "to check the same examples again, in the test's module: mvn test -Dtest=" + simple + "#"
        + test.getMethodName() + " -DQT_SEED=" + seed;
    long checked = 0;
    int rounds = 0;
    boolean exhausted = false;
    while (checked < examples && !exhausted) {
      // QuickTheories skips an example it has already checked in a run; the next run, from the next
      // seed, makes up the difference, until the property has had as many checks as it asked for or
      // a run finds its input space used up (fewer than half its examples new)
      long want = examples - checked;
      Counting counting = new Counting();
      // QuickTheories gives up on an example after so many values in a row that fail an assumption
      // (10 by default: a property that keeps half its values would give up about once in 4 runs of
      // 300); 100 in a row, at a half kept, happens once in 2^100
      QuickTheory qt = QuickTheory.qt().withExamples((int) want).withFixedSeed(seed + rounds)
          .withGenerateAttempts(100).withGuidance(prng -> counting);
      try {
        theory.run(qt);
      } catch (AssertionError e) {
        AssertionError failed = new AssertionError(printable(e.getMessage()) + "\n" + rerun, e.getCause());
        failed.setStackTrace(e.getStackTrace());
        throw failed;
      }
      checked += counting.checked;
      rounds++;
      exhausted = counting.checked * 2 < want;
    }
    System.out.printf("[property] %s: %d checks of %d asked for%s, seed %d%n", name, checked, examples,
        exhausted ? " (its input space is used up)" : "", seed);
  }

  /** The message with controls (but line breaks and tabs) and unpaired surrogates escaped, so that reports keep all of it. */
  private static String printable(String message) {
    if (message == null) {
      return "";
    }
    StringBuilder s = new StringBuilder(message.length());
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < message.length()
          && Character.isLowSurrogate(message.charAt(i + 1));
      if (pair) {
        s.append(c).append(message.charAt(++i));
      } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F || Character.isSurrogate(c)) {
        s.append(String.format("\\u%04X", (int) c));
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }

  /** Whether a frame's class is this runner (or one of its nested classes), the generators, or QuickTheories. */
  private static boolean isLibrary(String className) {
    for (Class<?> own : List.of(Props.class, Gens.class)) {
      if (className.equals(own.getName()) || className.startsWith(own.getName() + "$")) {
        return true;
      }
    }
    return className.startsWith("org.quicktheories.");
  }

  /**
   * The test method that checks the property: the first frame outside this library and QuickTheories
   * names the test class; the test method is that class's first frame that is not a lambda's body (a
   * property may be checked inside one, as in {@code assertThatThrownBy(() -> ...)}, and then the
   * frame that called the lambda belongs to another library).
   */
  private static StackWalker.StackFrame caller() {
    List<StackWalker.StackFrame> outside = StackWalker.getInstance().walk(frames -> frames
        .filter(f -> !isLibrary(f.getClassName()))
        .collect(java.util.stream.Collectors.toList()));
    if (outside.isEmpty()) {
      throw new IllegalStateException("a property must be checked from a test method");
    }
    String testClass = outside.get(0).getClassName();
    return outside.stream()
        .filter(f -> f.getClassName().equals(testClass) && !f.getMethodName().startsWith("lambda$"))
        .findFirst()
        .orElse(outside.get(0));
  }
}
