package io.vettid.crypto.envelope;

/**
 * The sequences of one session an opener accepted: the highest, and which of the {@value #SIZE}
 * below it (an anti-replay window, as in RFC 4303 §3.4.3 and RFC 9147 §4.5.1). A sequence above the
 * highest is new; one within the window is new if it was not accepted before (a deposit delivered
 * again out of order, after a delivery to the watcher was lost); one below the window, or one
 * accepted before, is a replay. Not thread-safe: the opener holds its lock.
 */
final class ReplayWindow {
  /** How many sequences below the highest accepted are still told apart. */
  static final int SIZE = 1024;

  private final long[] bits = new long[SIZE / 64];
  private long highest;

  /** A window whose only accepted sequence is {@code first}. */
  ReplayWindow(long first) {
    highest = first;
    set(first);
  }

  /**
   * A window as it was kept ({@link #words()}).
   *
   * @param highest the highest sequence accepted
   * @param words the {@value #WORDS} words of the window's bits
   */
  ReplayWindow(long highest, long[] words) {
    if (words.length != WORDS) {
      throw new IllegalArgumentException("a replay window has " + WORDS + " words, got " + words.length);
    }
    this.highest = highest;
    System.arraycopy(words, 0, bits, 0, WORDS);
    if (!get(highest)) {
      throw new IllegalArgumentException("the window does not hold its highest sequence " + highest);
    }
  }

  /** The window's bits in {@value #WORDS} words, slot {@code s % SIZE} for sequence {@code s}. */
  static final int WORDS = SIZE / 64;

  /** {@return a copy of the window's bits, to keep it at rest} */
  long[] words() {
    return bits.clone();
  }

  /** {@return the highest sequence accepted} */
  long highest() {
    return highest;
  }

  /** {@return true if {@code sequence} was accepted before or lies below the window} */
  boolean refuses(long sequence) {
    if (sequence > highest) {
      return false;
    }
    return highest - sequence >= SIZE || get(sequence);
  }

  /** Records {@code sequence} as accepted (call only after {@link #refuses} said no). */
  void accept(long sequence) {
    if (sequence > highest) {
      long shift = sequence - highest;
      if (shift >= SIZE) {
        java.util.Arrays.fill(bits, 0L);
      } else {
        for (long s = highest + 1; s <= sequence; s++) {
          clear(s); // a slot leaving the window's bottom is the slot of a new sequence
        }
      }
      highest = sequence;
    }
    set(sequence);
  }

  private boolean get(long sequence) {
    int slot = (int) (sequence % SIZE);
    return (bits[slot >>> 6] & (1L << (slot & 63))) != 0;
  }

  private void set(long sequence) {
    int slot = (int) (sequence % SIZE);
    bits[slot >>> 6] |= 1L << (slot & 63);
  }

  private void clear(long sequence) {
    int slot = (int) (sequence % SIZE);
    bits[slot >>> 6] &= ~(1L << (slot & 63));
  }
}
